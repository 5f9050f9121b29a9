// A cancel always wins: accepted while any activity of any stage is in flight, the audit is `cancelled`
// for good — in its state, its search attribute and the database — no stage code runs past its next
// await, and the only emails after it are the cancellation notices to the agencies that were asked for
// something. Each activity is held in flight by a latch until the cancel has been answered.
import { deadlineSchedule, DEFAULT_TIMELINE, nthAfter } from '../../domain/timeline';
import type { Activities } from '../../activities';
import {
  actionStateQuery,
  actionWorkflowId,
  auditStateQuery,
  cancelAuditUpdate,
  extendDeadlineUpdate,
  sendInvitationsUpdate,
  stageSearchAttribute,
} from '../../workflows/messages';
import { type AuditHandle, realParts, startAuditOn, untilStage, type WorkerBed } from '../support/audit-bed';
import { realActivities } from '../support/activities';
import { activityLatch, purposeIs } from '../support/latch';
import { lifecycle } from '../support/lifecycle';
import { recordHistory } from '../support/histories';

jest.setTimeout(120_000);

const latch = activityLatch();
// A time-skipping server of its own for each case: one whose skipping an earlier case left stuck (an
// activity finishing after its workflow stopped waiting for it can do that) cannot hold up the next.
let bed: WorkerBed;
const startAudit = () => startAuditOn(bed, 'cancel-test');
let stop: () => Promise<void>;
beforeEach(async () => {
  const parts = realParts({
    temporal: 'time-skipping',
    workerOn: 'cancel-test',
    activities: (real) => latch.wrap(real),
  });
  await parts.start();
  bed = parts.bed;
  stop = parts.stop;
});
afterEach(() => stop());
const DAY = 24 * 3600 * 1000;
const NOTICE = /deep dive cancelled: no further action needed$/;
/** The emails that ask an agency for something: its invitation, and the report's approval request. */
const ASKS = /(deep dive: please complete an audit tool by|^Please approve the .* summary report by)/;

interface Audit {
  auditId: string;
  handle: AuditHandle;
  api: ReturnType<typeof lifecycle>;
}

/** The steps of an audit, in order: each waits for its stage (`prepare`), then does one thing (`act`). */
const STEPS = {
  send: {
    prepare: (a: Audit) => untilStage(a.handle, 'invitations'),
    act: (a: Audit) => a.handle.executeUpdate(sendInvitationsUpdate),
  },
  remind: {
    prepare: (a: Audit) => untilStage(a.handle, 'awaiting_submissions'),
    // Just past the first reminder before the deadline.
    act: async (a: Audit) => {
      const dueAt = new Date((await a.api.state()).invitations[0]!.dueAt);
      const reminder = deadlineSchedule(dueAt, DEFAULT_TIMELINE.submissions)[0]!.at.getTime();
      await bed.env.sleep(reminder - (await bed.env.currentTimeMs()) + 3_600_000);
    },
  },
  extend: {
    prepare: (a: Audit) => untilStage(a.handle, 'awaiting_submissions'),
    act: async (a: Audit) =>
      a.handle.executeUpdate(extendDeadlineUpdate, {
        args: [{ dueAt: new Date((await bed.env.currentTimeMs()) + 40 * DAY).toISOString() }],
      }),
  },
  submit: {
    prepare: (a: Audit) => untilStage(a.handle, 'awaiting_submissions'),
    act: (a: Audit) => a.api.submitAll(),
  },
  schedule: {
    prepare: (a: Audit) => untilStage(a.handle, 'collation'),
    act: async (a: Audit) => a.api.scheduleDiscussion(a.auditId, new Date((await bed.env.currentTimeMs()) + 10 * DAY)),
  },
  outcome: {
    prepare: async (a: Audit) => {
      await untilStage(a.handle, 'discussion');
      await bed.env.sleep(11 * DAY);
    },
    act: async (a: Audit) => {
      const { invitations } = await a.api.state();
      const dueAt = new Date((await bed.env.currentTimeMs()) + 400 * DAY);
      const ownerAgencyId = invitations[0]!.agencyId;
      return a.api.recordOutcome(a.auditId, {
        urgentActions: [{ ownerAgencyId, dueAt }],
        recommendations: [{ ownerAgencyId, dueAt }],
        concerns: [],
      });
    },
  },
  report: {
    prepare: (a: Audit) => untilStage(a.handle, 'report'),
    act: (a: Audit) => a.api.submitReport(a.auditId),
  },
  changes: {
    prepare: (a: Audit) => untilStage(a.handle, 'practitioner_approval'),
    act: async (a: Audit) =>
      a.api.decide((await a.api.state()).reportVersions.at(-1)!.approvals[0]!.approvalId, 'changes_requested'),
  },
  approve: {
    prepare: (a: Audit) => untilStage(a.handle, 'practitioner_approval'),
    act: (a: Audit) => a.api.approveAll(),
  },
  signoff: {
    // The sign-off request has gone (it is sent as the stage is entered).
    prepare: async (a: Audit) => {
      await untilStage(a.handle, 'lis_signoff');
      await until(() => bed.catcher.messages().some((m) => m.subject.startsWith('For LIS sign-off')), 'the request');
    },
    act: (a: Audit) => a.api.lisDecide(a.auditId, 'approved'),
  },
  quarter: {
    prepare: async (a: Audit) => {
      const { followUpFrom } = await untilStage(a.handle, 'action_follow_up');
      const first = nthAfter(new Date(followUpFrom!), DEFAULT_TIMELINE.followUpInterval, 1).getTime();
      await bed.env.sleep(first - (await bed.env.currentTimeMs()) - 1000);
    },
    // Time-skipping stops while an activity runs: the held summary leaves this second to pass in real time.
    act: () => bed.env.sleep(2000),
  },
  midYear: {
    prepare: (a: Audit) => untilStage(a.handle, 'action_follow_up'),
    act: () => bed.env.sleep(200 * DAY),
  },
} satisfies Record<string, { prepare: (a: Audit) => Promise<unknown>; act: (a: Audit) => Promise<unknown> }>;

type Step = keyof typeof STEPS;
const PATH: Step[] = ['send', 'submit', 'schedule', 'outcome', 'report', 'approve', 'signoff', 'quarter'];
const upTo = (step: Step): Step[] => [...PATH.slice(0, PATH.indexOf(step)), step];

interface Case {
  stage: string;
  /** None: the cancel comes while the audit waits, nothing in flight. */
  activity?: keyof Activities;
  /** For `notify`: the emails held. */
  purposes?: string[];
  /** The steps taken, the last one while the activity is held; none: held from the audit's start. */
  path: Step[];
  /** What else must be done before the cancel comes. */
  settle?: (a: Audit) => Promise<void>;
}

const CASES: Case[] = [
  { stage: 'selection', activity: 'loadCandidatePool', path: [] },
  { stage: 'selection', activity: 'recordCohort', path: [] },
  { stage: 'invitations', activity: 'createInvitations', path: ['send'] },
  { stage: 'invitations', activity: 'notify', purposes: ['invitation'], path: ['send'] },
  { stage: 'awaiting_submissions', activity: 'notify', purposes: ['submission_reminder'], path: ['send', 'remind'] },
  { stage: 'awaiting_submissions', activity: 'recordDeadlines', path: ['send', 'extend'] },
  { stage: 'collation', activity: 'circulatePack', path: upTo('schedule') },
  { stage: 'collation', activity: 'notify', purposes: ['collated_pack'], path: upTo('schedule') },
  { stage: 'discussion', activity: 'acceptOutcome', path: upTo('outcome') },
  { stage: 'report', activity: 'openApprovals', path: upTo('report') },
  { stage: 'report', activity: 'notify', purposes: ['approval_request'], path: upTo('report') },
  { stage: 'practitioner_approval', activity: 'supersedeApprovals', path: [...upTo('report'), 'changes'] },
  { stage: 'practitioner_approval', activity: 'notify', purposes: ['lis_signoff_request'], path: upTo('approve') },
  {
    stage: 'action_follow_up',
    activity: 'acceptLisDecision',
    path: upTo('signoff'),
    // The decision's row is written after the update has answered (PATCHES.handlersReturnAtOnce), so the
    // audit goes on meanwhile: the cancel comes once it has published and is following its actions up.
    settle: async (a: Audit) => {
      await until(async () => (await a.api.state()).stage === 'action_follow_up', 'the follow-up');
    },
  },
  { stage: 'lis_signoff', activity: 'publishBriefing', path: upTo('signoff') },
  { stage: 'lis_signoff', activity: 'notify', purposes: ['briefing_published'], path: upTo('signoff') },
  {
    stage: 'action_follow_up',
    activity: 'notify',
    purposes: ['lis_progress_summary'],
    path: upTo('quarter'),
    // The actions' own quarterly requests, which go at the same moment, are left to finish first (the
    // time-skipping server stops skipping for good if an activity of a workflow already closed is still
    // running when it ends).
    settle: async (a: Audit) => {
      const followUps = (await a.api.state()).actions.map((x) =>
        bed.env.client.workflow.getHandle(actionWorkflowId(x.actionId)),
      );
      await until(
        async () =>
          (await Promise.all(followUps.map((f) => f.query(actionStateQuery)))).every((x) => x.progressRequests === 1),
        'the quarter’s progress requests',
      );
    },
  },
  // Waiting between quarters, nothing in flight: its actions' follow-ups end with it.
  { stage: 'action_follow_up', path: [...upTo('signoff'), 'midYear'] },
];

const name = (c: Case) =>
  c.activity ? `${c.activity}${c.purposes ? ` (${c.purposes.join(', ')})` : ''} is in flight` : 'it waits';

test.each(CASES.map((c) => [c.stage, name(c), c] as const))(
  'a cancel in %s while %s wins, and only the cancellation notices follow it',
  async (_stage, _name, { activity, purposes, path, settle }) => {
    bed.catcher.clear();
    const nothing = { entered: Promise.resolve(), release: () => undefined };
    const hold = () => (activity ? latch.hold(activity, purposes ? purposeIs(...purposes) : undefined) : nothing);
    let held: ReturnType<typeof hold> | undefined;
    let acting: Promise<unknown>;
    let audit: Audit;

    if (path.length === 0) {
      held = hold();
      const { auditId, handle } = await startAudit();
      audit = { auditId, handle, api: lifecycle(bed.db, bed.env.client, handle) };
      acting = Promise.resolve();
    } else {
      const { auditId, handle } = await startAudit();
      audit = { auditId, handle, api: lifecycle(bed.db, bed.env.client, handle) };
      for (const step of path.slice(0, -1)) {
        await STEPS[step].prepare(audit);
        await STEPS[step].act(audit);
      }
      const last = STEPS[path.at(-1)!];
      await last.prepare(audit);
      held = hold();
      // The step may wait on the held activity itself (an update's): it finishes once released.
      acting = last.act(audit).catch((err: unknown) => err);
      if (!activity) await acting;
    }
    const { handle, auditId } = audit;

    await held.entered;
    await settle?.(audit);
    const briefings = await bed.db.briefing.count({ where: { auditId } });
    const answered = await handle.executeUpdate(cancelAuditUpdate);
    expect(answered.stage).toBe('cancelled');
    // Answered once every list says so: the database's copy is cancelled before the answer.
    expect((await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } })).stage).toBe('cancelled');
    // Everything caught so far (the catcher lists the newest first).
    const beforeRelease = bed.catcher.messages();
    const seen = new Set(beforeRelease.map((m) => m.id));
    held.release();
    await acting;

    // The cancellation notices go to every agency that was sent an invitation or an approval request.
    const askedBefore = beforeRelease.filter((m) => ASKS.test(m.subject)).flatMap((m) => m.to);
    const expected = [...new Set(askedBefore)].sort();
    await until(
      () => bed.catcher.messages().filter((m) => NOTICE.test(m.subject)).length === expected.length,
      'the cancellation notices',
    );
    // Time passes: no reminder, chaser, escalation or summary follows.
    await bed.env.sleep(120 * DAY);

    const after = bed.catcher.messages().filter((m) => !seen.has(m.id));
    expect(after.filter((m) => !NOTICE.test(m.subject)).map((m) => m.subject)).toEqual([]);
    expect(after.flatMap((m) => m.to).sort()).toEqual(expected);

    const state = await handle.query(auditStateQuery);
    expect(state.stage).toBe('cancelled');
    expect(state.purgeAt).toBeDefined();
    expect((await handle.describe()).typedSearchAttributes.get(stageSearchAttribute)).toBe('cancelled');
    const row = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId }, include: { actions: true } });
    expect(row.stage).toBe('cancelled');
    expect(row.actions.every((a) => a.status === 'cancelled')).toBe(true);
    expect(state.actions.every((a) => a.status === 'cancelled')).toBe(true);
    // A briefing published before the cancel stays; none is published after it.
    expect(await bed.db.briefing.count({ where: { auditId } })).toBe(briefings);

    // The follow-ups of its actions ended with it.
    for (const action of row.actions) {
      const followUp = bed.env.client.workflow.getHandle(actionWorkflowId(action.id));
      const status = await followUp.describe().then(
        (d) => d.status.name,
        () => 'never started',
      );
      expect(['CANCELLED', 'never started']).toContain(status);
    }
    if (!activity) {
      expect(row.actions.length).toBeGreaterThan(0);
      await recordHistory(handle, 'cancelled-in-action-follow-up');
    }
  },
);

test('a late write of a stage from an old activity attempt cannot bring a cancelled audit back', async () => {
  const { auditId, handle } = await startAudit();
  await untilStage(handle, 'invitations');
  await handle.executeUpdate(cancelAuditUpdate);
  const { recordStage } = realActivities(bed.db, bed.catcher.url);
  await recordStage({ auditId, stage: 'awaiting_submissions' });
  expect((await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } })).stage).toBe('cancelled');
  const trail = await bed.db.auditTrailEntry.findMany({ where: { auditId, action: 'stage.entered' } });
  // (A new audit's row starts in `selection`: the first entry is the move to `invitations`.)
  expect(trail.map((t) => (t.details as { stage: string }).stage)).toEqual(['invitations', 'cancelled']);
});

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never saw ${what}`);
}
