// The deep dive audit, one workflow per audit, reading like the process: each stage lives in its own
// module beside this one; every handler is registered here, on state initialised first.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { STAGES, type Stage, TERMINAL_STAGES as TERMINAL } from '../domain/stages';
import { shift, type Timeline, timelineOf } from '../domain/timeline';
import { DATABASE_ACTIVITY } from './activity-options';
import { notFound, refused, wrongStage } from './errors';
import { collate, packRecipients, rescheduleDiscussion, sendPack, takeOutcome } from './discussion';
import { followUpActions } from './follow-up';
import { latestVersion, openVersion, publish, seekApproval, seekSignOff } from './report';
import { planCohortReview, replaceDrawnCase, reviewCohort, sendInvitations } from './invitations';
import {
  actionChangedSignal,
  type ActionState,
  approvalDecisionUpdate,
  type AuditState,
  auditStateQuery,
  cancelAuditUpdate,
  type DeepDiveAuditInput,
  extendDeadlineUpdate,
  lisDecisionUpdate,
  noInvolvementUpdate,
  raiseConcernUpdate,
  recordOutcomeUpdate,
  replaceCaseUpdate,
  scheduleDiscussionUpdate,
  sendInvitationsUpdate,
  stageSearchAttribute,
  submissionReceivedUpdate,
  submitReportVersionUpdate,
} from './messages';
import { tell } from './notify';
import { PATCHES } from './patches';
import { chores as choresOf, steady } from './steps';
import { startUrgentEscalation } from './escalation';
import { selectCohort } from './selection';
import { awaitSubmissions, extendDeadlines, moveDeadlines, recordDeadlines } from './submissions';

export type { DeepDiveAuditInput };

const { recordStage, recordInvitationOutcome, acceptLisDecision, purgeIdentifiableData, closeCancelledAudit } = steady(
  proxyActivities<Activities>(DATABASE_ACTIVITY),
);

const isPast = (state: AuditState, stage: Stage) => STAGES.indexOf(state.stage) > STAGES.indexOf(stage);

export async function deepDiveAudit(input: DeepDiveAuditInput): Promise<AuditState> {
  const timeline = timelineOf(input);
  /** What every child is given, so that it counts as its audit does. */
  const timelines = { timeline: input.timeline, fixedTimeline: input.fixedTimeline };
  const state: AuditState = {
    auditId: input.auditId,
    stage: 'selection',
    cohort: [],
    invitations: [],
    escalations: [],
    reportVersions: [],
    lisDecisions: [],
    lisSummaries: 0,
    actions: [],
    cancelled: false,
    timeline,
  };
  let sendRequested = false;
  let replacing = 0;
  /** Set while an update's activity runs, so that a second one arriving meanwhile is refused. */
  let takingOutcome = false;
  let takingDecision = false;
  let circulatedVersions = 0;

  const invitation = (invitationId: string) => {
    const found = state.invitations.find((i) => i.invitationId === invitationId);
    if (!found) throw notFound(`invitation ${invitationId}`);
    return found;
  };
  const refuseUnless = (action: string, ok: boolean) => {
    if (!ok) throw wrongStage(action, state.stage);
  };
  const invitationsNotYetSent = () => state.stage === 'invitations' && !sendRequested;
  /** A version has been submitted and not yet circulated. */
  const versionWaiting = () => state.reportVersions.length > circulatedVersions;
  // While a version's approvals are being opened the stage is still `report`: no other version may come in.
  let openingVersion = false;

  setHandler(auditStateQuery, () => state);

  // What the update handlers leave the workflow to do (PATCHES.handlersReturnAtOnce): each handler
  // changes state and answers; emails, children and database writes follow, in order.
  const chores = choresOf();
  /** The handlers' new way, taken when the first update to use it arrives. */
  const atOnce = () => patched(PATCHES.handlersReturnAtOnce);

  // Every stage runs in this scope: a cancel cancels it, so that no stage code runs past its next await.
  const stages = new CancellationScope();
  /** The cancel was taken the 0.2.0 way (PATCHES.cancelAlwaysWins); false for a cancel replayed from before. */
  let cancelWins = false;
  let cancelRecorded = false;
  /** The purge's wait, once it has begun: at sign-off (PATCHES.purgeAfterSignOff), else in `finish`. */
  let purge: Promise<void> | undefined;

  const enterStage = async (stage: Stage) => {
    // Once cancelled, always cancelled: a stage reached in the same moment does not overwrite it.
    if (cancelWins) return;
    state.stage = stage;
    upsertSearchAttributes([{ key: stageSearchAttribute, value: stage }]);
    await recordStage({ auditId: state.auditId, stage });
  };

  setHandler(
    cancelAuditUpdate,
    async () => {
      state.cancelled = true;
      if (!patched(PATCHES.cancelAlwaysWins)) {
        await enterStage('cancelled');
        return state;
      }
      cancelWins = true;
      state.stage = 'cancelled';
      upsertSearchAttributes([{ key: stageSearchAttribute, value: 'cancelled' }]);
      stages.cancel();
      // The main flow records it; answered once the database's lists say so too.
      await condition(() => cancelRecorded);
      return state;
    },
    { validator: () => refuseUnless('cancel', !TERMINAL.includes(state.stage)) },
  );

  setHandler(
    replaceCaseUpdate,
    async ({ caseId, replacementCaseId }: { caseId: string; replacementCaseId: string }) => {
      replacing++;
      try {
        // The answer is the cohort as the database now has it: the write waits its turn.
        if (atOnce()) await chores.inTurn(() => replaceDrawnCase(state, caseId, replacementCaseId));
        else await replaceDrawnCase(state, caseId, replacementCaseId);
      } finally {
        replacing--;
      }
      return state;
    },
    {
      validator: ({ caseId, replacementCaseId }: { caseId: string; replacementCaseId: string }) => {
        refuseUnless('replace a case', invitationsNotYetSent());
        if (!state.cohort.some((c) => c.caseId === caseId)) throw notFound(`drawn case ${caseId}`);
        refuseUnless(
          'replace a case with one already drawn',
          !state.cohort.some((c) => c.caseId === replacementCaseId),
        );
      },
    },
  );

  setHandler(
    raiseConcernUpdate,
    async ({ escalationId }: { escalationId: string }) => {
      // The child outlives the audit; starting the same escalation twice does nothing.
      const start = () => startUrgentEscalation({ escalationId, auditId: state.auditId, ...timelines });
      if (atOnce()) {
        state.escalations.push(escalationId);
        chores.later(start);
        return state;
      }
      await start();
      if (!state.escalations.includes(escalationId)) state.escalations.push(escalationId);
      return state;
    },
    {
      validator: ({ escalationId }: { escalationId: string }) => {
        refuseUnless('raise a concern', !TERMINAL.includes(state.stage));
        refuseUnless('raise the same concern twice', !state.escalations.includes(escalationId));
      },
    },
  );

  setHandler(
    sendInvitationsUpdate,
    () => {
      sendRequested = true;
      return state;
    },
    { validator: () => refuseUnless('send the invitations', invitationsNotYetSent()) },
  );

  setHandler(
    submissionReceivedUpdate,
    async ({ invitationId }: { invitationId: string }) => {
      const found = invitation(invitationId);
      found.status = 'submitted';
      // Never thrown away: after the deadline, or once collation has begun, it is kept and flagged.
      found.late = Date.now() > Date.parse(found.dueAt) || isPast(state, 'awaiting_submissions');
      // The API stored the submission and marked the invitation submitted before it asked; only lateness,
      // which is the workflow's to judge, is left to record — and the business unit told of it.
      const recordLate = () => recordInvitationOutcome({ invitationId, status: 'submitted', late: true });
      const notice = () => tell(state.auditId, { purpose: 'business_unit_late_submission', invitationId });
      if (found.late && atOnce()) {
        chores.later(async () => {
          await recordLate();
          chores.meanwhile(notice);
        });
      } else if (found.late) {
        await recordLate();
        await notice();
      }
      return found;
    },
    {
      validator: ({ invitationId }: { invitationId: string }) => {
        refuseUnless('receive a submission', !TERMINAL.includes(state.stage));
        refuseUnless('receive a second submission', invitation(invitationId).status === 'pending');
      },
    },
  );

  setHandler(
    noInvolvementUpdate,
    async ({ invitationId }: { invitationId: string }) => {
      const found = invitation(invitationId);
      found.status = 'no_involvement';
      const record = () => recordInvitationOutcome({ invitationId, status: 'no_involvement', late: false });
      if (atOnce()) chores.later(record);
      else await record();
      return found;
    },
    {
      validator: ({ invitationId }: { invitationId: string }) => {
        refuseUnless('close an invitation', state.stage === 'awaiting_submissions');
        refuseUnless('close an invitation that is not open', invitation(invitationId).status === 'pending');
      },
    },
  );

  type Extension = { dueAt: string; invitationId?: string };
  setHandler(
    extendDeadlineUpdate,
    async ({ dueAt, invitationId }: Extension) => {
      if (!atOnce()) return extendDeadlines(state, timeline, dueAt, invitationId);
      const changed = moveDeadlines(state, timeline, dueAt, invitationId);
      const invitationIds = changed.map((i) => i.invitationId);
      chores.later(() => recordDeadlines({ invitationIds, dueAt }));
      return changed;
    },
    {
      validator: ({ dueAt, invitationId }: Extension) => {
        refuseUnless('extend a deadline', state.stage === 'awaiting_submissions');
        if (invitationId) refuseUnless('extend a closed invitation', invitation(invitationId).status === 'pending');
        refuseUnless('set a deadline in the past', Date.parse(dueAt) > Date.now());
      },
    },
  );

  setHandler(
    scheduleDiscussionUpdate,
    async ({ at }: { at: string }) => {
      if (!atOnce()) {
        await rescheduleDiscussion(state, at);
        return state;
      }
      state.discussionAt = at;
      // The agencies hear of the new date by email, after the answer.
      if (state.packCirculatedAt) {
        chores.later(async () => {
          const agencyIds = await packRecipients(state);
          chores.meanwhile(() => sendPack(state, agencyIds));
        });
      }
      return state;
    },
    {
      validator: ({ at }: { at: string }) => {
        refuseUnless('schedule the discussion', !TERMINAL.includes(state.stage) && !isPast(state, 'discussion'));
        if (state.outcomeRecordedAt || takingOutcome)
          throw refused('the discussion has been held: its outcome is recorded');
        if (Number.isNaN(Date.parse(at))) throw refused('the discussion needs a date and time');
      },
    },
  );

  setHandler(
    recordOutcomeUpdate,
    async () => {
      takingOutcome = true;
      try {
        // The answer is the actions the outcome made; its escalations start after it.
        if (atOnce()) await chores.inTurn(() => takeOutcome(state, timelines, chores.later));
        else await takeOutcome(state, timelines);
      } finally {
        takingOutcome = false;
      }
      return state;
    },
    {
      validator: () => {
        refuseUnless('record the outcome', state.stage === 'discussion');
        if (state.outcomeRecordedAt || takingOutcome)
          throw refused('the outcome of this discussion is already recorded');
        if (Date.parse(state.discussionAt!) > Date.now())
          throw refused(`the discussion is on ${state.discussionAt}: record its outcome once it has been held`);
      },
    },
  );

  setHandler(
    submitReportVersionUpdate,
    ({ reportVersionId }: { reportVersionId: string }) => {
      const version = { reportVersionId, version: state.reportVersions.length + 1, approvals: [] };
      state.reportVersions.push(version);
      return version;
    },
    {
      validator: (_: { reportVersionId: string }) => {
        refuseUnless('submit a report version', state.stage === 'report' && !versionWaiting() && !openingVersion);
      },
    },
  );

  type Decision = { approvalId: string; decision: 'approved' | 'changes_requested' };
  setHandler(
    approvalDecisionUpdate,
    ({ approvalId, decision }: Decision) => {
      const approval = latestVersion(state)!.approvals.find((a) => a.approvalId === approvalId)!;
      approval.status = decision;
      return approval;
    },
    {
      validator: ({ approvalId }: Decision) => {
        refuseUnless('approve the report', state.stage === 'practitioner_approval');
        const approval = latestVersion(state)?.approvals.find((a) => a.approvalId === approvalId);
        if (!approval) throw refused('this approval is not of the version being circulated');
        if (approval.status !== 'pending') throw refused(`this approval is already ${approval.status}`);
      },
    },
  );

  type LisDecision = { lisDecisionId: string; decision: 'approved' | 'returned' };
  setHandler(
    lisDecisionUpdate,
    async ({ lisDecisionId, decision }: LisDecision) => {
      if (atOnce()) {
        state.lisDecisions.push({ lisDecisionId, reportVersionId: latestVersion(state)!.reportVersionId, decision });
        chores.later(() => acceptLisDecision({ lisDecisionId }));
        return state;
      }
      takingDecision = true;
      try {
        await acceptLisDecision({ lisDecisionId });
      } finally {
        takingDecision = false;
      }
      state.lisDecisions.push({ lisDecisionId, reportVersionId: latestVersion(state)!.reportVersionId, decision });
      return state;
    },
    {
      validator: (_: LisDecision) => {
        refuseUnless('record the LIS decision', state.stage === 'lis_signoff' && !takingDecision);
        const version = latestVersion(state)!.reportVersionId;
        if (state.lisDecisions.some((d) => d.reportVersionId === version))
          throw refused('the LIS has already decided on this version');
      },
    },
  );

  // A follow-up tells its RAG, its overdue chase and its close. While the action is open, its quarterly
  // schedule (progressRequests, nextReminderAt) is the audit's own (followUpActions): kept, not taken.
  setHandler(actionChangedSignal, (action: ActionState) => {
    const i = state.actions.findIndex((a) => a.actionId === action.actionId);
    // Once cancelled, its actions stay `cancelled`, whatever a follow-up still ending had to say.
    if (i < 0 || cancelWins) return;
    const { progressRequests, nextReminderAt } = state.actions[i]!;
    state.actions[i] = action.status === 'open' ? { ...action, progressRequests, nextReminderAt } : action;
  });

  await stages.run(runStages).catch((err: unknown) => {
    if (!(cancelWins && isCancellation(err))) throw err;
  });
  if (cancelWins) await closeCancelled();
  return finish(state, timeline, chores.done, purge);

  /** The audit from the draw to its last action closed; returns early on a cancel taken before 0.2.0. */
  async function runStages(): Promise<void> {
    await enterStage('selection');
    await selectCohort(state);
    if (state.cancelled) return;

    planCohortReview(state, timeline);
    await enterStage('invitations');
    await reviewCohort(state, () => sendRequested);
    await condition(() => replacing === 0);
    if (state.cancelled) return;
    sendRequested = true;
    await sendInvitations(state, timeline);

    await enterStage('awaiting_submissions');
    await awaitSubmissions(state, timeline);
    if (state.cancelled) return;

    await enterStage('collation');
    await collate(state);
    if (state.cancelled) return;

    await enterStage('discussion');
    await condition(() => state.cancelled || (!!state.outcomeRecordedAt && !takingOutcome));
    if (state.cancelled) return;

    // Round the report goes until the practitioners approve a version and the LIS signs it off.
    for (;;) {
      await enterStage('report');
      await condition(() => state.cancelled || versionWaiting());
      if (state.cancelled) return;

      circulatedVersions = state.reportVersions.length;
      openingVersion = true;
      await openVersion(state, timeline);
      openingVersion = false;
      await enterStage('practitioner_approval');
      const approval = await seekApproval(state, timeline);
      if (approval === 'cancelled') return;
      if (approval === 'changes_requested') continue;

      await enterStage('lis_signoff');
      const signOff = await seekSignOff(state);
      if (signOff === 'cancelled') return;
      if (signOff === 'approved') break;
    }
    await publish(state);
    state.followUpFrom = new Date().toISOString();
    if (patched(PATCHES.purgeAfterSignOff)) {
      // Nothing needs a child's name once the learning is signed off; the actions' follow-up does not.
      state.purgeAt = shift(new Date(), timeline.retention, 1).toISOString();
      purge = CancellationScope.nonCancellable(() => purgeWhenDue(state));
    }

    await enterStage('action_follow_up');
    await followUpActions(state, timeline, timelines);
    if (state.cancelled) return;

    await enterStage('completed');
    await Promise.all([
      tell(state.auditId, { purpose: 'audit_completed', recipient: 'business_unit' }),
      tell(state.auditId, { purpose: 'audit_completed', recipient: 'lis' }),
    ]);
  }

  /**
   * After a cancel: the database says `cancelled` (and its open actions, whose follow-ups the scope has
   * cancelled), then every agency that was asked for something hears that nothing more is needed.
   */
  async function closeCancelled(): Promise<void> {
    const { agencyIds } = await closeCancelledAudit({ auditId: state.auditId });
    cancelRecorded = true;
    for (const action of state.actions) if (action.status === 'open') action.status = 'cancelled';
    await Promise.all(agencyIds.map((agencyId) => tell(state.auditId, { purpose: 'audit_cancelled', agencyId })));
  }
}

/**
 * Completed or cancelled: what was collected is kept until the purge (child identifiers, raw submissions,
 * concerns) — a retention period after sign-off, when that began it, or else from now — and the run
 * closes once it is done. In-flight updates (a late submission, say) finish first.
 */
async function finish(
  state: AuditState,
  timeline: Timeline,
  choresDone: () => boolean,
  purge: Promise<void> | undefined,
): Promise<AuditState> {
  await condition(() => allHandlersFinished() && choresDone());
  if (!purge) state.purgeAt = shift(new Date(), timeline.retention, 1).toISOString();
  await (purge ?? purgeWhenDue(state));
  await condition(() => allHandlersFinished() && choresDone());
  return state;
}

/** Waits until `state.purgeAt`, then purges the audit's identifiable tier. */
async function purgeWhenDue(state: AuditState): Promise<void> {
  await sleep(Math.max(0, Date.parse(state.purgeAt!) - Date.now()));
  state.purgedAt = await purgeIdentifiableData({ auditId: state.auditId });
}
