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
import { DEFAULT_TIMELINE, nthAfter, shift } from '../../domain/timeline';
import { evidencePack } from '../../api/evidence';
import { tokenHash } from '../../infra/links';
import { actionFollowUp } from '../../workflows';
import { QUARTERS_PER_RUN } from '../../workflows/follow-up';
import {
  type ActionState,
  actionStateQuery,
  actionWorkflowId,
  type AuditState,
  auditStateQuery,
  cancelAuditUpdate,
  closeActionUpdate,
  type Rag,
  sendInvitationsUpdate,
} from '../../workflows/messages';
import {
  type AuditHandle,
  type startAuditOn,
  untilStage,
  useAuditBed,
  useWorkerBed,
  type WorkerBed,
} from '../support/audit-bed';
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
 * 23 events: its timer (started, fired: 2), the request's row and email and the overdue chase (3
 * activities × 3), and a workflow task (3) after each of those 4 steps. Once per run at most: the due-date
 * chase (its timer, a notify, its signal to the audit (initiated, failed or completed: 2) and three workflow
 * tasks: 16). An owner's report in each quarter (update accepted and completed, its signal if the RAG
 * changed, two workflow tasks: 10 × 4). The run's start (started, openAction and their workflow tasks: 10)
 * and its end (continued as new: 1, or a close: an update, an activity and its signal with their workflow
 * tasks, 16). 4 × 23 + 16 + 40 + 10 + 16 = 174 < 200, and whatever carried over from one run to the next
 * would break it within a few years.
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

/** Moves the clock of `on`'s server (this file's first, unless told) to `at`, never backwards. */
async function sleepUntil(at: Date, on: WorkerBed = bed): Promise<void> {
  const now = await on.env.currentTimeMs();
  if (at.getTime() > now) await on.env.sleep(at.getTime() - now);
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
    // Quarter 3's amber again changes nothing the audit shows: it is not signalled.
    const reports: Partial<Record<number, Rag>> = { 2: 'amber', 3: 'amber', 5: 'red', 9: 'green' };
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
      [3, 'amber'],
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
    // and fired, a notify, 3, its signal to the audit, 2, and the workflow tasks after each, 9: 16) and with
    // each of its four requests (a notify and the workflow task after it: 4 × 6). Beyond that, only the
    // server's batching of workflow tasks differs (a few tasks, ±6 events, between runs): nothing
    // accumulates with the action's age.
    const THIRD_YEAR_CHASES = 16 + 4 * 6;
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

    // The audit was told only what it cannot work out: each RAG change (amber, red, green, complete), the
    // due-date chase and the close — never a quarter, nor the same status again. It is not running here:
    // every signal was refused, and not one workflow task failed.
    expect(countOf(all, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)).toBe(4 + 1 + 1);
    expect(countOf(all, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)).toBe(4 + 1 + 1);
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

// The whole audit is the happy path's (lifecycle.test.ts); here only its follow-up stage. Each describe has
// its own time-skipping server: the test server miscounts its time-skipping locks once a child workflow
// has run (sdk-typescript #1101), so no two tests share one.

/** The draw, the invitations, every agency's submission, the discussion a day on: the agencies involved. */
async function untilDiscussion(bed: WorkerBed, { auditId, handle }: { auditId: string; handle: AuditHandle }) {
  const api = lifecycle(bed.db, bed.env.client, handle);
  await untilStage(handle, 'invitations');
  await handle.executeUpdate(sendInvitationsUpdate);
  const awaiting = await untilStage(handle, 'awaiting_submissions');
  await api.submitAll();
  await untilStage(handle, 'collation');
  await api.scheduleDiscussion(auditId, new Date((await bed.env.currentTimeMs()) + DAY));
  await untilStage(handle, 'discussion');
  return [...new Set(awaiting.invitations.map((i) => i.agencyId))];
}

/** Once the discussion is held: its outcome (the first action urgent), the report approved and signed off. */
async function untilFollowUp(
  bed: WorkerBed,
  { auditId, handle }: { auditId: string; handle: AuditHandle },
  actions: { ownerAgencyId: string; dueAt: Date }[],
): Promise<AuditState> {
  const api = lifecycle(bed.db, bed.env.client, handle);
  await api.recordOutcome(auditId, {
    urgentActions: actions.slice(0, 1),
    recommendations: actions.slice(1),
    concerns: [],
  });
  await untilStage(handle, 'report');
  await api.submitReport(auditId);
  await untilStage(handle, 'practitioner_approval');
  await api.approveAll();
  await untilStage(handle, 'lis_signoff');
  await api.lisDecide(auditId, 'approved');
  return untilStage(handle, 'action_follow_up');
}

/** Retries `check` (which throws while it fails) until it passes; the last failure if it never does. */
async function eventually(check: () => Promise<void>, tries = 200): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('action follow-up in a cancelled audit', () => {
  const { bed, startAudit } = useAuditBed('follow-up-audit-test');

  it('stops following up every open action when the audit is cancelled', async () => {
    const { auditId, handle } = await startAudit(1);
    const [owner, otherOwner] = await untilDiscussion(bed, { auditId, handle });
    await bed.env.sleep(2 * DAY);
    const dueAt = new Date((await bed.env.currentTimeMs()) + 400 * DAY);
    const following = await untilFollowUp(bed, { auditId, handle }, [
      { ownerAgencyId: owner!, dueAt },
      { ownerAgencyId: otherOwner!, dueAt },
    ]);
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

// The audit never continues as new: its run lives as long as its actions stay open. So a follow-up tells
// it only what it cannot work out (a changed RAG, the overdue chase, the close), and the audit works out
// each open action's quarterly schedule itself. Two audits side by side on one server, the same three
// years: one with 2 actions, one with 8 — the difference is what 6 actions cost the audit's run.
describe('the audit’s own history during action follow-up', () => {
  const { bed, startAudit } = useAuditBed('follow-up-history-test');
  /**
   * What one action open for three years may add to its audit's run: its 3 signals (RAG amber, then
   * green, then the overdue chase), each received (1 event) with at most a workflow task of its own (3).
   * Before, it was about 6 events per action and quarter: 72 here.
   */
  const PER_ACTION_BOUND = 3 * 4;
  /** Workflow tasks the server batches differently from one audit to the other (a few events). */
  const SECOND_YEAR_NOISE = 6;

  it('grows by a few events per action over three years, not per action and quarter, and shows every action as its follow-up does', async () => {
    const SIZES = [2, 8] as const;
    const audits = [];
    for (const size of SIZES) {
      const audit = await startAudit(1);
      audits.push({ ...audit, size, owners: await untilDiscussion(bed, audit) });
    }
    await bed.env.sleep(2 * DAY);
    // Due between the eighth and the ninth quarter: the overdue chase falls in the third year.
    const dueAt = new Date((await bed.env.currentTimeMs()) + 760 * DAY);
    const opened: { handle: AuditHandle; size: number; from: Date; actionIds: string[] }[] = [];
    for (const audit of audits) {
      const actions = Array.from({ length: audit.size }, (_, k) => ({
        ownerAgencyId: audit.owners[k % audit.owners.length]!,
        dueAt,
      }));
      const following = await untilFollowUp(bed, audit, actions);
      opened.push({
        ...audit,
        from: new Date(following.followUpFrom!),
        actionIds: following.actions.map((a) => a.actionId),
      });
    }
    for (const { from } of opened) expect(dueAt > quarterAfter(from, 8) && dueAt < quarterAfter(from, 9)).toBe(true);

    // Each quarter every open action's owner reports: amber, then green again and again; the first
    // action of each audit is complete and closed in quarter 4, the others stay open for three years.
    const statusIn = (q: number): Rag => (q === 1 ? 'amber' : 'green');
    const CLOSED_IN = 4;
    const closedAt = new Map<string, string>();

    /** The audit's view of each action: the follow-up's own, and what the quarters and reports make it. */
    const agrees = (audit: (typeof opened)[number], q: number) =>
      eventually(async () => {
        const state = await audit.handle.query(auditStateQuery);
        const overdue = (await bed.env.currentTimeMs()) > dueAt.getTime();
        expect(state.lisSummaries).toBe(q);
        for (const [k, action] of state.actions.entries()) {
          const own = await bed.env.client.workflow
            .getHandle(actionWorkflowId(action.actionId))
            .query(actionStateQuery);
          expect(action).toEqual(own);
          const closed = k === 0 && q >= CLOSED_IN;
          expect(action).toMatchObject({
            status: closed ? 'closed' : 'open',
            progressRequests: closed ? CLOSED_IN : q,
            overdueChased: !closed && overdue,
          });
          expect(action.rag).toBe(closed ? 'complete' : q === 0 ? undefined : statusIn(q));
          expect(action.nextReminderAt).toBe(closed ? undefined : quarterAfter(audit.from, q + 1).toISOString());
          expect(action.closedAt).toBe(closed ? closedAt.get(action.actionId) : undefined);
        }
        const { raw } = await audit.handle.describe();
        expect(raw.pendingActivities ?? []).toHaveLength(0);
      });
    const eventsOf = async (audit: (typeof opened)[number]) => (await audit.handle.fetchHistory()).events!.length;

    for (const audit of opened) await agrees(audit, 0);
    const atStart = await Promise.all(opened.map(eventsOf));
    const byYear: number[][] = [];
    for (let q = 1; q <= 12; q++) {
      await sleepUntil(new Date(Math.max(...opened.map((a) => quarterAfter(a.from, q).getTime())) + HOUR), bed);
      for (const audit of opened) {
        for (const [k, actionId] of audit.actionIds.entries()) {
          if (k === 0 && q > CLOSED_IN) continue;
          await until(
            async () => (await bed.db.actionProgress.count({ where: { actionId, quarter: q } })) === 1,
            `quarter ${q}'s request`,
          );
          if (k === 0 && q === CLOSED_IN) {
            await reportProgress(bed.db, bed.env.client, actionId, 'complete');
            const closed = await bed.env.client.workflow
              .getHandle(actionWorkflowId(actionId))
              .executeUpdate(closeActionUpdate);
            closedAt.set(actionId, closed.closedAt!);
          } else await reportProgress(bed.db, bed.env.client, actionId, statusIn(q));
        }
        await agrees(audit, q);
      }
      if (q % 4 === 0) byYear.push(await Promise.all(opened.map(eventsOf)));
    }

    const grown = opened.map((_, i) => byYear[2]![i]! - atStart[i]!);
    const perAction = (grown[1]! - grown[0]!) / (SIZES[1] - SIZES[0]);
    console.log(
      `deepDiveAudit during follow-up, events (at start, after years 1, 2, 3): ` +
        opened.map((a, i) => `${a.size} actions ${[atStart[i], ...byYear.map((y) => y[i])].join(', ')}`).join('; ') +
        ` — three years added ${grown.join(' and ')}: ${perAction.toFixed(1)} per action, ` +
        `${(perAction / 12).toFixed(2)} per action and quarter`,
    );
    expect(perAction).toBeLessThanOrEqual(PER_ACTION_BOUND);
    // The second year brings no new RAG and no chase: 8 actions cost the audit what 2 do (its quarters'
    // LIS summaries), give or take the server's batching of workflow tasks.
    const secondYear = opened.map((_, i) => byYear[1]![i]! - byYear[0]![i]!);
    expect(Math.abs(secondYear[1]! - secondYear[0]!)).toBeLessThanOrEqual(SECOND_YEAR_NOISE);

    // Complete and closed after the third year: every audit completes, showing every action closed.
    for (const audit of opened) {
      for (const actionId of audit.actionIds.slice(1)) {
        await reportProgress(bed.db, bed.env.client, actionId, 'complete');
        await bed.env.client.workflow.getHandle(actionWorkflowId(actionId)).executeUpdate(closeActionUpdate);
      }
      const completed = await untilStage(audit.handle, 'completed');
      expect(completed.actions.map((a) => [a.status, a.rag, a.progressRequests, a.nextReminderAt])).toEqual(
        audit.actionIds.map((_, k) => ['closed', 'complete', k === 0 ? CLOSED_IN : 12, undefined]),
      );
      // Only the one closed in its first year was never overdue.
      expect(completed.actions.map((a) => a.overdueChased)).toEqual(audit.actionIds.map((_, k) => k > 0));
    }
  });
});

/** An audit of one child, signed off with one action for an agency of its own, due in `dueInDays`. */
async function signedOffWithOneAction(
  bed: WorkerBed,
  startAudit: (cohortSize: number) => ReturnType<typeof startAuditOn>,
  dueInDays: number,
) {
  const audit = await startAudit(1);
  const [owner] = await untilDiscussion(bed, audit);
  await bed.env.sleep(2 * DAY);
  const dueAt = new Date((await bed.env.currentTimeMs()) + dueInDays * DAY);
  const following = await untilFollowUp(bed, audit, [{ ownerAgencyId: owner!, dueAt }]);
  return { ...audit, owner: owner!, following };
}

// The identifiable tier goes a retention period (12 months) after the LIS signs the report off, not after
// the last action closes: the actions' follow-up goes on for years without a child's name.
describe('the purge a retention period after sign-off', () => {
  const { bed, startAudit } = useAuditBed('follow-up-purge-test');

  it('purges twelve months after sign-off while the action is followed up, keeping the action, its quarters and the trail', async () => {
    const { auditId, handle, owner, following } = await signedOffWithOneAction(bed, startAudit, 600);
    const signedOff = new Date(following.followUpFrom!);
    const purgeAt = shift(signedOff, DEFAULT_TIMELINE.retention, 1);
    expect(following.purgeAt).toBe(purgeAt.toISOString());
    expect(following.purgedAt).toBeUndefined();
    const actionId = following.actions[0]!.actionId;
    const quarter = (n: number) => quarterAfter(signedOff, n);
    const identifiable = async () => ({
      named: await bed.db.case.count({ where: { auditId, childName: { not: null } } }),
      born: await bed.db.case.count({ where: { auditId, childDob: { not: null } } }),
      submissions: await bed.db.submission.count({ where: { invitation: { auditId } } }),
    });
    const before = await identifiable();
    expect(before.named).toBeGreaterThan(0);
    expect(before.born).toBe(before.named);
    expect(before.submissions).toBeGreaterThan(0);

    /** Waits for quarter q's request and reports on it, as the owner does through the link. */
    const reportQuarter = async (q: number, status: Rag) => {
      await sleepUntil(new Date(quarter(q).getTime() + HOUR), bed);
      await until(
        async () => (await bed.db.actionProgress.count({ where: { actionId, quarter: q } })) === 1,
        `quarter ${q}'s request`,
      );
      await reportProgress(bed.db, bed.env.client, actionId, status);
    };

    // Three quarters: the identifiable tier is still there, and the purge has not happened.
    for (const q of [1, 2, 3]) await reportQuarter(q, q === 1 ? 'amber' : 'green');
    expect(await identifiable()).toEqual(before);
    expect((await handle.query(auditStateQuery)).purgedAt).toBeUndefined();
    const trailBefore = await bed.db.auditTrailEntry.findMany({ where: { auditId }, orderBy: { at: 'asc' } });

    // Twelve months after sign-off: purged, the audit still following its action up.
    await sleepUntil(new Date(purgeAt.getTime() + HOUR), bed);
    const purged = await until(async () => {
      const state = await handle.query(auditStateQuery);
      return state.purgedAt ? state : undefined;
    }, 'the purge');
    expect(purged.stage).toBe('action_follow_up');
    // On the server's clock (the database's is the real one): the purge was asked for when it was due.
    const purgeAsked = (await handle.fetchHistory()).events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'purgeIdentifiableData',
    );
    expect(purgeAsked).toHaveLength(1);
    expect(eventTime(purgeAsked[0]!) - purgeAt.getTime()).toBeGreaterThanOrEqual(0);
    expect(eventTime(purgeAsked[0]!) - purgeAt.getTime()).toBeLessThan(60_000);
    expect(await identifiable()).toEqual({ named: 0, born: 0, submissions: 0 });
    expect(await bed.db.case.count({ where: { auditId, childLocalId: { not: null } } })).toBe(0);
    const audit = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } });
    expect(audit.purgedAt!.toISOString()).toBe(purged.purgedAt);
    expect(audit.stage).toBe('action_follow_up');

    // What the follow-up needs stays: the action, its owner, its quarters and what was reported.
    const action = await bed.db.action.findUniqueOrThrow({
      where: { id: actionId },
      include: { progress: { orderBy: { quarter: 'asc' } } },
    });
    expect(action).toMatchObject({ ownerAgencyId: owner, status: 'open' });
    expect(action.description.length).toBeGreaterThan(0);
    expect(action.progress.map((p) => [p.quarter, p.status, p.update])).toEqual([
      [1, 'amber', 'On track'],
      [2, 'green', 'On track'],
      [3, 'green', 'On track'],
      [4, null, null],
    ]);
    // The trail: every entry as it was, and the purge.
    const trailAfter = await bed.db.auditTrailEntry.findMany({ where: { auditId }, orderBy: { at: 'asc' } });
    expect(trailAfter.slice(0, trailBefore.length)).toEqual(trailBefore);
    expect(trailAfter.filter((t) => t.action === 'retention.purged')).toHaveLength(1);
    // The report and the briefing stay; the evidence pack says when the purge was.
    expect(await bed.db.reportVersion.count({ where: { auditId } })).toBeGreaterThan(0);
    expect(await bed.db.briefing.count({ where: { auditId } })).toBe(1);
    const evidence = await evidencePack(bed.db, auditId);
    expect(evidence.retention).toEqual({ purgedAt: purged.purgedAt });

    // The follow-up goes on: the fourth quarter's report, then the fifth quarter's request and report.
    await reportProgress(bed.db, bed.env.client, actionId, 'amber');
    await reportQuarter(5, 'green');
    await eventually(async () => {
      const state = await handle.query(auditStateQuery);
      expect(state.actions[0]).toMatchObject({ status: 'open', rag: 'green', progressRequests: 5 });
    });

    // Closed: the audit completes, and nothing is purged twice.
    await reportProgress(bed.db, bed.env.client, actionId, 'complete');
    await bed.env.client.workflow.getHandle(actionWorkflowId(actionId)).executeUpdate(closeActionUpdate);
    const completed = await handle.result();
    expect(completed).toMatchObject({ stage: 'completed', purgedAt: purged.purgedAt });
    const purges = await bed.db.auditTrailEntry.count({ where: { auditId, action: 'retention.purged' } });
    expect(purges).toBe(1);
  });
});

describe('the purge of an audit cancelled after sign-off', () => {
  const { bed, startAudit } = useAuditBed('follow-up-purge-cancelled-test');

  it('keeps the purge a retention period after sign-off, not after the cancel', async () => {
    const { auditId, handle, following } = await signedOffWithOneAction(bed, startAudit, 400);
    const purgeAt = shift(new Date(following.followUpFrom!), DEFAULT_TIMELINE.retention, 1);

    // Cancelled two months on: the timer set at sign-off stands.
    await bed.env.sleep(60 * DAY);
    const cancelled = await handle.executeUpdate(cancelAuditUpdate);
    expect(cancelled).toMatchObject({ stage: 'cancelled', purgeAt: purgeAt.toISOString() });
    expect(await bed.db.case.count({ where: { auditId, childName: { not: null } } })).toBeGreaterThan(0);

    await sleepUntil(new Date(purgeAt.getTime() + HOUR), bed);
    const result = await handle.result();
    expect(result).toMatchObject({ stage: 'cancelled', purgeAt: purgeAt.toISOString(), purgedAt: expect.any(String) });
    expect(await bed.db.case.count({ where: { auditId, childName: { not: null } } })).toBe(0);
    expect(await bed.db.submission.count({ where: { invitation: { auditId } } })).toBe(0);
  });
});

describe('the purge of an audit cancelled before sign-off', () => {
  const { bed, startAudit } = useAuditBed('follow-up-purge-early-cancel-test');

  it('purges a retention period after the cancel', async () => {
    const { auditId, handle } = await startAudit(1);
    await untilStage(handle, 'invitations');
    const cancelled = await handle.executeUpdate(cancelAuditUpdate);
    const purgeAt = await until(async () => (await handle.query(auditStateQuery)).purgeAt, 'the purge to be set');
    const cancelledAt = await bed.env.currentTimeMs();
    expect(cancelled.stage).toBe('cancelled');
    expect(
      Math.abs(Date.parse(purgeAt) - shift(new Date(cancelledAt), DEFAULT_TIMELINE.retention, 1).getTime()),
    ).toBeLessThan(60_000);

    await bed.env.sleep(Date.parse(purgeAt) - cancelledAt - DAY);
    expect((await handle.query(auditStateQuery)).purgedAt).toBeUndefined();
    expect(await bed.db.case.count({ where: { auditId, childName: { not: null } } })).toBeGreaterThan(0);
    await bed.env.sleep(2 * DAY);
    expect(await handle.result()).toMatchObject({ stage: 'cancelled', purgedAt: expect.any(String) });
    expect(await bed.db.case.count({ where: { auditId, childName: { not: null } } })).toBe(0);
  });
});
