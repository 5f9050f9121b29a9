// Stage 9 — an action's follow-up (`action-<id>`) on the time-skipping server with the real activities, a
// real database and a real SMTP catcher. Most tests start the follow-up on its own, as a top-level
// workflow, on an Action row stored as the outcome activity stores it: its signals to the audit (which
// does not run here) are refused by the server and must not harm it. Time moves with env.sleep, quarter
// by quarter, never by shortening the default interval (three calendar months).
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CaughtMessage } from '../../dev/mail-catcher';
import type { Notification } from '../../domain/notifications';
import { DEFAULT_TIMELINE, nthAfter } from '../../domain/timeline';
import { tokenHash } from '../../infra/links';
import { actionFollowUp } from '../../workflows';
import { QUARTERS_PER_RUN } from '../../workflows/follow-up';
import {
  type ActionState,
  actionStateQuery,
  actionWorkflowId,
  auditStateQuery,
  cancelAuditUpdate,
  closeActionUpdate,
  type Rag,
  sendInvitationsUpdate,
} from '../../workflows/messages';
import { untilStage, useAuditBed, useWorkerBed } from '../support/audit-bed';
import { insertAudit } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { lifecycle, OUTCOME_TEXT, reportProgress } from '../support/lifecycle';

jest.setTimeout(120_000);

const TASK_QUEUE = 'follow-up-test';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Handle = WorkflowHandleWithFirstExecutionRunId<typeof actionFollowUp>;

/**
 * The ceiling on any one run's history. A run holds QUARTERS_PER_RUN (4) quarters. A quarter costs at most
 * 28 events: its timer (started, fired: 2), the request's row and email and the overdue chase (3
 * activities × 3), the signal to the audit with the next reminder (initiated, failed or completed: 2),
 * and a workflow task (3) after each of those 5 steps. Once per run at most: the due-date chase (its timer,
 * a notify and two workflow tasks: 11). An owner's report in each quarter (update accepted and completed,
 * its signal, two workflow tasks: 10 × 4). The run's start (started, openAction and the first signal with
 * their workflow tasks: 15) and its end (continued as new: 1, or a close: an update, an activity and its
 * signal with their workflow tasks, 16). 4 × 28 + 11 + 40 + 15 + 16 = 194 < 200, and whatever carried
 * over from one run to the next would break it within a few years.
 */
const RUN_EVENT_BOUND = 200;

const bed = useWorkerBed(TASK_QUEUE);

const quarterAfter = (from: Date, n: number) => nthAfter(from, DEFAULT_TIMELINE.followUpInterval, n);

/** An audit whose outcome gave one action to its first agency, stored as the outcome activity stores it. */
async function insertAction(dueAt: Date) {
  const { auditId, agencies } = await insertAudit(bed.db, { cohortSize: 1 });
  const owner = agencies[0]!;
  const action = await bed.db.action.create({
    data: { auditId, number: 1, kind: 'recommendation', description: OUTCOME_TEXT, ownerAgencyId: owner.id, dueAt },
  });
  return { auditId, owner, actionId: action.id };
}

/** LIS approval is "now" on the server: the follow-up starts as the audit would start it. */
async function startFollowUp(dueIn: (from: Date) => Date) {
  const from = new Date(await bed.env.currentTimeMs());
  const dueAt = dueIn(from);
  const inserted = await insertAction(dueAt);
  const handle: Handle = await bed.env.client.workflow.start(actionFollowUp, {
    taskQueue: TASK_QUEUE,
    workflowId: actionWorkflowId(inserted.actionId),
    args: [{ actionId: inserted.actionId, auditId: inserted.auditId, from: from.toISOString() }],
  });
  return { ...inserted, from, dueAt, handle, quarter: (n: number) => quarterAfter(from, n) };
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Moves the server's clock to `at` (never backwards). */
async function sleepUntil(at: Date): Promise<void> {
  const now = await bed.env.currentTimeMs();
  if (at.getTime() > now) await bed.env.sleep(at.getTime() - now);
}

/** The emails about this owner's action (each test's agencies have names of their own). */
const mailsTo = (owner: { name: string }, subject: string): CaughtMessage[] =>
  bed.catcher.messages().filter((m) => m.subject.startsWith(subject) && m.text.includes(owner.name));
const progressMails = (owner: { name: string }) => mailsTo(owner, 'Quarterly progress: action 1 ');
const overdueMails = (owner: { name: string }) => mailsTo(owner, 'Overdue: action 1 ');

/** The follow-up's state once `done` holds, nothing is in flight and the expected emails have arrived. */
const settled = (
  handle: Handle,
  done: (state: ActionState) => boolean,
  mails: () => boolean,
  what: string,
): Promise<ActionState> =>
  until(async () => {
    const state = await handle.query(actionStateQuery);
    const { pendingActivities } = (await handle.describe()).raw;
    return done(state) && !pendingActivities?.length && mails() && state;
  }, what);

/** Every run of a workflow, first to latest, following each run's continued-as-new event. */
async function runsOf(workflowId: string, firstRunId: string) {
  const runs: { runId: string; events: HistoryEvent[] }[] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const history: temporal.api.history.v1.IHistory = await bed.env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push({ runId, events });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

const eventTime = (e: HistoryEvent) =>
  Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

/** The notify activities the runs scheduled, with the (skipped) server time of each. */
function notificationsIn(events: HistoryEvent[]) {
  return events.flatMap((e) => {
    const attrs = e.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name !== 'notify') return [];
    const input = JSON.parse(Buffer.from(attrs.input!.payloads![0]!.data!).toString()) as {
      notification: Notification;
    };
    return [{ ...input.notification, at: eventTime(e) }];
  });
}

const countOf = (events: HistoryEvent[], type: temporal.api.enums.v1.EventType) =>
  events.filter((e) => e.eventType === type).length;

describe('action follow-up', () => {
  it('asks for progress every quarter for three years, chases once the action is overdue, and keeps every run’s history bounded', async () => {
    // Due a little over two years on, so the due-date chase falls between two quarters' requests.
    const { auditId, owner, actionId, dueAt, handle, quarter } = await startFollowUp(
      (from) => new Date(quarterAfter(from, 8).getTime() + 10 * DAY),
    );
    const reports: Partial<Record<number, Rag>> = { 2: 'amber', 5: 'red', 9: 'green' };
    let rag: Rag | undefined;
    let overdue = 0;

    const opened = await settled(
      handle,
      (s) => s.nextReminderAt === quarter(1).toISOString(),
      () => true,
      'the follow-up to open',
    );
    expect(opened).toMatchObject({ actionId, auditId, number: 1, ownerAgencyId: owner.id, status: 'open' });
    expect(opened).toMatchObject({ progressRequests: 0, overdueChased: false, dueAt: dueAt.toISOString() });
    expect(opened.rag).toBeUndefined();

    for (let q = 1; q <= 12; q++) {
      if (dueAt > quarter(q - 1) && dueAt < quarter(q)) {
        // The due date passes between two requests: one chase, then, and nothing else.
        await sleepUntil(new Date(dueAt.getTime() + HOUR));
        overdue++;
        const chased = await settled(
          handle,
          (s) => s.overdueChased,
          () => overdueMails(owner).length === overdue,
          'the due-date chase',
        );
        expect(chased.progressRequests).toBe(q - 1);
        expect(chased.nextReminderAt).toBe(quarter(q).toISOString());
        expect(progressMails(owner)).toHaveLength(q - 1);
      }

      await sleepUntil(new Date(quarter(q).getTime() + HOUR));
      if (dueAt < quarter(q)) overdue++;
      const state = await settled(
        handle,
        (s) => s.progressRequests === q && s.nextReminderAt === quarter(q + 1).toISOString(),
        () => progressMails(owner).length === q && overdueMails(owner).length === overdue,
        `quarter ${q}`,
      );
      expect(state).toMatchObject({ status: 'open', overdueChased: dueAt < quarter(q) });
      expect(state.rag).toBe(rag);

      const reported = reports[q];
      if (reported) {
        await reportProgress(bed.db, bed.env.client, actionId, reported);
        rag = reported;
        expect((await handle.query(actionStateQuery)).rag).toBe(reported);
      }
    }
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Twelve requests, each on its quarter's row with its own link, each to the owner's contact address.
    const rows = await bed.db.actionProgress.findMany({ where: { actionId }, orderBy: { quarter: 'asc' } });
    expect(rows.map((r) => r.quarter)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(rows.filter((r) => r.status).map((r) => [r.quarter, r.status])).toEqual([
      [2, 'amber'],
      [5, 'red'],
      [9, 'green'],
    ]);
    const requests = progressMails(owner);
    expect(requests).toHaveLength(12);
    for (const mail of requests) expect(mail.to).toEqual([owner.contactEmail]);
    const linked = requests.map((m) => tokenHash(/\/progress\/([\w-]+)/.exec(m.text)![1]!));
    expect(new Set(linked)).toEqual(new Set(rows.map((r) => r.tokenHash)));
    // Chased on the due date, then with each of the four quarters' requests after it.
    expect(overdueMails(owner)).toHaveLength(5);
    for (const mail of overdueMails(owner)) expect(mail.to).toEqual([owner.contactEmail]);

    // Report 'complete' (after the third year's last request, in a fresh run) and close it: it ends.
    await reportProgress(bed.db, bed.env.client, actionId, 'complete');
    const closing = await handle.executeUpdate(closeActionUpdate);
    expect(closing).toMatchObject({ status: 'closed', rag: 'complete', progressRequests: 12 });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', rag: 'complete', progressRequests: 12, overdueChased: true });
    expect(result.nextReminderAt).toBeUndefined();
    expect(result.closedAt).toBeDefined();
    expect(await bed.db.action.findUniqueOrThrow({ where: { id: actionId } })).toMatchObject({ status: 'closed' });

    // Each run: a year of quarters, then continued as new; the fourth holds the close.
    const runs = await runsOf(handle.workflowId, handle.firstExecutionRunId);
    const counts = runs.map((r) => r.events.length);
    console.log(
      `actionFollowUp, 12 quarters then closed — events per run (run 1: quarters 1–4, run 2: 5–8, ` +
        `run 3: 9–12 and the due-date chase, run 4: the close): ${counts.join(', ')}`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs).toHaveLength(12 / QUARTERS_PER_RUN + 1);
    for (const count of counts) expect(count).toBeLessThan(RUN_EVENT_BOUND);
    const full = runs.filter(
      (r) => r.events.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    );
    expect(full).toHaveLength(3);
    // Every full run does a year's work. The third also chases: on the due date (its own timer, started
    // and fired, a notify, 3, and the workflow tasks after each, 6: 11) and with each of its four requests
    // (a notify and the workflow task after it: 4 × 6). Beyond that, only the server's batching of workflow
    // tasks differs (a few tasks, ±6 events, between runs): nothing accumulates with the action's age.
    const THIRD_YEAR_CHASES = 11 + 4 * 6;
    expect(full.at(-1)!.events.length).toBeLessThanOrEqual(full[0]!.events.length + THIRD_YEAR_CHASES + 6);
    expect(runs.at(-1)!.events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);

    // Every email when it was due, according to the server's clock (the runs' events).
    const all = runs.flatMap((r) => r.events);
    const sent = notificationsIn(all);
    const at = (purpose: 'action_progress_request' | 'action_overdue', n: number) =>
      sent
        .filter((s) => s.purpose === purpose && ('quarter' in s ? s.quarter : 'n' in s ? s.n : undefined) === n)
        .map((s) => s.at);
    for (let q = 1; q <= 12; q++) {
      const [requested, ...again] = at('action_progress_request', q);
      expect(again).toEqual([]);
      expect(requested! - quarter(q).getTime()).toBeGreaterThanOrEqual(0);
      expect(requested! - quarter(q).getTime()).toBeLessThan(60_000);
      if (q > 8) expect(at('action_overdue', q)).toHaveLength(1);
    }
    const [chased, ...chasedAgain] = at('action_overdue', 0);
    expect(chasedAgain).toEqual([]);
    expect(chased! - dueAt.getTime()).toBeGreaterThanOrEqual(0);
    expect(chased! - dueAt.getTime()).toBeLessThan(60_000);
    expect(sent.filter((s) => s.purpose === 'action_overdue').map((s) => 'n' in s && s.n)).toEqual([0, 9, 10, 11, 12]);

    // Its audit is not running: every signal to it was refused, and not one workflow task failed.
    expect(countOf(all, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)).toBeGreaterThan(12);
    expect(countOf(all, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toBe(0);
    expect(countOf(all, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)).toBe(0);

    // The third year: the due-date chase, its run's continue-as-new, for replay.
    await recordHistory(
      bed.env.client.workflow.getHandle(handle.workflowId, runs[2]!.runId),
      'action-follow-up-third-year',
    );
  });

  it('closes once: a second close and a later report are refused, and nothing is sent afterwards', async () => {
    const { owner, actionId, handle, quarter } = await startFollowUp((from) => new Date(from.getTime() + 400 * DAY));
    await sleepUntil(new Date(quarter(1).getTime() + HOUR));
    await settled(
      handle,
      (s) => s.progressRequests === 1,
      () => progressMails(owner).length === 1,
      'quarter 1',
    );
    await reportProgress(bed.db, bed.env.client, actionId, 'complete');

    // The LIS and the business unit close it at the same moment: the workflow accepts one close.
    const both = await Promise.allSettled([
      handle.executeUpdate(closeActionUpdate),
      handle.executeUpdate(closeActionUpdate),
    ]);
    const closed = both.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ status: 'closed', rag: 'complete', progressRequests: 1 });
    const refused = both.find((r) => r.status === 'rejected')!.reason as unknown;
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refused as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('WrongStage');
    expect(cause!.message).toMatch(/close action 1: it is closed/);

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', closedAt: closed[0]!.closedAt });
    const row = await bed.db.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(row).toMatchObject({ status: 'closed' });
    expect(row.closedAt!.toISOString()).toBe(result.closedAt);
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { action: 'action.closed', details: { path: ['actionId'], equals: actionId } },
    });
    expect(trail).toHaveLength(1);

    // Once it has ended, there is nothing left to report on or to close.
    await expect(reportProgress(bed.db, bed.env.client, actionId, 'green')).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    await expect(handle.executeUpdate(closeActionUpdate)).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // Two more quarters: no request, no chase, no row.
    await sleepUntil(new Date(quarter(3).getTime() + HOUR));
    await new Promise((r) => setTimeout(r, 500));
    expect(progressMails(owner)).toHaveLength(1);
    expect(overdueMails(owner)).toHaveLength(0);
    expect(await bed.db.actionProgress.count({ where: { actionId } })).toBe(1);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });
});

// The whole audit is the happy path's (lifecycle.test.ts); here only its cancellation during follow-up.
// Its own time-skipping server: the test server miscounts its time-skipping locks once a child workflow
// has run (sdk-typescript #1101), so no other test shares it.
describe('action follow-up in a cancelled audit', () => {
  const { bed, startAudit } = useAuditBed('follow-up-audit-test');

  it('stops following up every open action when the audit is cancelled', async () => {
    const { auditId, handle } = await startAudit(1);
    const api = lifecycle(bed.db, bed.env.client, handle);
    await untilStage(handle, 'invitations');
    await handle.executeUpdate(sendInvitationsUpdate);
    const awaiting = await untilStage(handle, 'awaiting_submissions');
    await api.submitAll();
    await untilStage(handle, 'collation');
    const start = new Date(await bed.env.currentTimeMs());
    await api.scheduleDiscussion(auditId, new Date(start.getTime() + DAY));
    await untilStage(handle, 'discussion');
    await bed.env.sleep(2 * DAY);
    const [owner, otherOwner] = [...new Set(awaiting.invitations.map((i) => i.agencyId))];
    const dueAt = new Date(start.getTime() + 400 * DAY);
    await api.recordOutcome(auditId, {
      urgentActions: [{ ownerAgencyId: owner!, dueAt }],
      recommendations: [{ ownerAgencyId: otherOwner!, dueAt }],
      concerns: [],
    });
    await untilStage(handle, 'report');
    await api.submitReport(auditId);
    await untilStage(handle, 'practitioner_approval');
    await api.approveAll();
    await untilStage(handle, 'lis_signoff');
    await api.lisDecide(auditId, 'approved');
    const following = await untilStage(handle, 'action_follow_up');
    expect(following.actions.map((a) => a.status)).toEqual(['open', 'open']);
    const actions = following.actions.map((a) => bed.env.client.workflow.getHandle(actionWorkflowId(a.actionId)));
    for (const action of actions)
      await until(async () => (await action.query(actionStateQuery)).nextReminderAt, 'the follow-ups to start');

    const cancelled = await handle.executeUpdate(cancelAuditUpdate);
    expect(cancelled.stage).toBe('cancelled');
    expect((await handle.result()).stage).toBe('cancelled');
    expect((await handle.query(auditStateQuery)).cancelled).toBe(true);
    for (const action of actions) {
      const status = await until(async () => {
        const name = (await action.describe()).status.name;
        return name !== 'RUNNING' && name;
      }, 'the follow-up to stop');
      console.log(`${action.workflowId} after its audit was cancelled: ${status}`);
      expect(['CANCELLED', 'TERMINATED']).toContain(status);
    }
    // A quarter on, nothing more is asked of the owners, and the LIS gets no summary.
    const mailed = bed.catcher.messages().length;
    const firstQuarter = quarterAfter(new Date(following.followUpFrom!), 1).getTime() + DAY;
    await bed.env.sleep(firstQuarter - (await bed.env.currentTimeMs()));
    expect(await bed.env.currentTimeMs()).toBeGreaterThanOrEqual(firstQuarter);
    await new Promise((r) => setTimeout(r, 500));
    expect(bed.catcher.messages()).toHaveLength(mailed);
    expect(await bed.db.actionProgress.count({ where: { action: { auditId } } })).toBe(0);
    expect((await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } })).stage).toBe('cancelled');
  });
});
