// The deep dive audit, one workflow per audit, reading like the process: each stage lives in its own
// module beside this one; every handler is registered here, on state initialised first.
import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { STAGES, type Stage } from '../domain/stages';
import { resolveTimeline } from '../domain/timeline';
import { FAILURE, notFound, wrongStage } from './errors';
import { planCohortReview, replaceDrawnCase, reviewCohort, sendInvitations } from './invitations';
import {
  type AuditState,
  auditStateQuery,
  cancelAuditUpdate,
  type DeepDiveAuditInput,
  extendDeadlineUpdate,
  noInvolvementUpdate,
  raiseConcernUpdate,
  replaceCaseUpdate,
  sendInvitationsUpdate,
  stageSearchAttribute,
  submissionReceivedUpdate,
} from './messages';
import { tell } from './notify';
import { startUrgentEscalation } from './escalation';
import { selectCohort } from './selection';
import { awaitSubmissions, extendDeadlines } from './submissions';

export type { DeepDiveAuditInput };

const { recordStage, recordInvitationOutcome } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: [FAILURE.notFound] },
});

const TERMINAL: readonly Stage[] = ['completed', 'cancelled'];
const isPast = (state: AuditState, stage: Stage) => STAGES.indexOf(state.stage) > STAGES.indexOf(stage);

export async function deepDiveAudit(input: DeepDiveAuditInput): Promise<AuditState> {
  const timeline = resolveTimeline(input.timeline);
  const state: AuditState = {
    auditId: input.auditId,
    stage: 'selection',
    cohort: [],
    invitations: [],
    escalations: [],
    cancelled: false,
  };
  let sendRequested = false;
  let replacing = 0;

  const invitation = (invitationId: string) => {
    const found = state.invitations.find((i) => i.invitationId === invitationId);
    if (!found) throw notFound(`invitation ${invitationId}`);
    return found;
  };
  const refuseUnless = (action: string, ok: boolean) => {
    if (!ok) throw wrongStage(action, state.stage);
  };
  const invitationsNotYetSent = () => state.stage === 'invitations' && !sendRequested;

  setHandler(auditStateQuery, () => state);

  setHandler(
    cancelAuditUpdate,
    async () => {
      state.cancelled = true;
      await enterStage(state, 'cancelled');
      return state;
    },
    { validator: () => refuseUnless('cancel', !TERMINAL.includes(state.stage)) },
  );

  setHandler(
    replaceCaseUpdate,
    async ({ caseId, replacementCaseId }: { caseId: string; replacementCaseId: string }) => {
      replacing++;
      try {
        await replaceDrawnCase(state, caseId, replacementCaseId);
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
      await startUrgentEscalation({ escalationId, auditId: state.auditId, timeline: input.timeline });
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
      await recordInvitationOutcome({ invitationId, status: 'submitted', late: found.late });
      if (found.late) await tell(state.auditId, { purpose: 'business_unit_late_submission', invitationId });
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
      await recordInvitationOutcome({ invitationId, status: 'no_involvement', late: false });
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
    ({ dueAt, invitationId }: Extension) => extendDeadlines(state, timeline, dueAt, invitationId),
    {
      validator: ({ dueAt, invitationId }: Extension) => {
        refuseUnless('extend a deadline', state.stage === 'awaiting_submissions');
        if (invitationId) refuseUnless('extend a closed invitation', invitation(invitationId).status === 'pending');
        refuseUnless('set a deadline in the past', Date.parse(dueAt) > Date.now());
      },
    },
  );

  await enterStage(state, 'selection');
  await selectCohort(state);
  if (state.cancelled) return finish(state);

  planCohortReview(state, timeline);
  await enterStage(state, 'invitations');
  await reviewCohort(state, () => sendRequested);
  await condition(() => replacing === 0);
  if (state.cancelled) return finish(state);
  sendRequested = true;
  await sendInvitations(state, timeline);

  await enterStage(state, 'awaiting_submissions');
  await awaitSubmissions(state, timeline);
  if (state.cancelled) return finish(state);

  // The stages from collation on arrive with the rest of the lifecycle; until then the audit waits in
  // collation, visible in its stage, until it is cancelled.
  await enterStage(state, 'collation');
  await condition(() => state.cancelled);
  return finish(state);
}

async function enterStage(state: AuditState, stage: Stage): Promise<void> {
  state.stage = stage;
  upsertSearchAttributes([{ key: stageSearchAttribute, value: stage }]);
  await recordStage({ auditId: state.auditId, stage });
}

/** Lets an in-flight update (a late submission, say) finish before the run closes. */
async function finish(state: AuditState): Promise<AuditState> {
  await condition(allHandlersFinished);
  return state;
}
