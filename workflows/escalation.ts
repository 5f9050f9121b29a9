// The urgent escalation, a child of the audit, one per concern about immediate risk to a child or adult
// or about unsafe practice. The agency lead is emailed at once with a link to acknowledge it and the
// business unit is told; every window it stays unacknowledged it goes again to the lead and to the
// partnership manager. Only an acknowledgement ends it: not time, and not the audit's cancellation or end.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  allHandlersFinished,
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { shift, timelineOf } from '../domain/timeline';
import { DATABASE_ACTIVITY } from './activity-options';
import { alreadyDone, notFound } from './errors';
import {
  acknowledgeEscalationUpdate,
  type EscalationState,
  escalationStateQuery,
  escalationWorkflowId,
  type UrgentEscalationInput,
} from './messages';
import { tell } from './notify';
import { chores as choresOf, steady } from './steps';
import { PATCHES } from './patches';

export type { UrgentEscalationInput };

const { openEscalation, recordEscalationRound, recordEscalationAcknowledged } = steady(
  proxyActivities<Activities>(DATABASE_ACTIVITY),
);

/**
 * For the audit: starts the escalation of a stored Escalation row as its child. The child is abandoned,
 * never cancelled or terminated, when the audit is cancelled or closes; starting the same escalation
 * again (a retried update, say) does nothing.
 */
export async function startUrgentEscalation(input: Omit<UrgentEscalationInput, 'continued'>): Promise<void> {
  try {
    // Non-cancellable: a concern raised while the audit is being cancelled still reaches the lead.
    await CancellationScope.nonCancellable(() =>
      startChild(urgentEscalation, {
        workflowId: escalationWorkflowId(input.escalationId),
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export async function urgentEscalation(input: UrgentEscalationInput): Promise<EscalationState> {
  const { escalationId, auditId } = input;
  const window = timelineOf(input).acknowledgementWindow;
  const state: EscalationState = input.continued ?? { escalationId, auditId, reEscalations: 0 };

  setHandler(escalationStateQuery, () => state);
  // The acknowledgement answers at once (PATCHES.handlersReturnAtOnce); the database's copy follows.
  const chores = choresOf();
  const settled = () => allHandlersFinished() && chores.done();

  setHandler(
    acknowledgeEscalationUpdate,
    async ({ acknowledgedAt }: { escalationId: string; acknowledgedAt?: string }) => {
      const atOnce = patched(PATCHES.handlersReturnAtOnce);
      // Set at once, so that a second acknowledgement arriving meanwhile is refused.
      state.acknowledgedAt = (atOnce && acknowledgedAt) || new Date().toISOString();
      const record = () =>
        recordEscalationAcknowledged({ escalationId, auditId, acknowledgedAt: state.acknowledgedAt! });
      // The answer is the moment the API stored it, which the row keeps; the row's status follows.
      if (atOnce) chores.later(() => record().then(() => undefined));
      else state.acknowledgedAt = await record();
      return state;
    },
    {
      validator: ({ escalationId: id }: { escalationId: string }) => {
        if (id !== escalationId) throw notFound(`escalation ${id}`);
        if (state.acknowledgedAt) throw alreadyDone('acknowledge the escalation');
      },
    },
  );

  /** Round 0 emails the lead; round n ≥ 1 goes again to the lead and to the partnership manager. */
  async function round(n: number): Promise<void> {
    // Windows follow each other from the first email on; any a stopped worker missed are skipped, not
    // sent in a burst.
    let end = shift(state.nextReEscalationAt ? new Date(state.nextReEscalationAt) : new Date(), window, 1);
    while (end.getTime() <= Date.now()) end = shift(end, window, 1);
    const acknowledgeBy = end.toISOString();
    await recordEscalationRound({ escalationId, auditId, round: n, acknowledgeBy });
    state.reEscalations = n;
    state.nextReEscalationAt = acknowledgeBy;
    if (n === 0) {
      await Promise.all([
        tell(auditId, { purpose: 'urgent_escalation', escalationId }),
        tell(auditId, { purpose: 'business_unit_urgent_concern', escalationId }),
      ]);
    } else {
      await Promise.all([
        tell(auditId, { purpose: 'urgent_re_escalation', escalationId, n, recipient: 'agency_lead' }),
        tell(auditId, { purpose: 'urgent_re_escalation', escalationId, n, recipient: 'partnership_manager' }),
      ]);
    }
  }

  if (!input.continued) {
    Object.assign(state, await openEscalation({ escalationId, auditId }));
    await round(0);
  }

  while (!state.acknowledgedAt) {
    const untilNext = Math.max(0, Date.parse(state.nextReEscalationAt!) - Date.now());
    if (await condition(() => !!state.acknowledgedAt, untilNext)) break;
    await round(state.reEscalations + 1);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(settled);
      if (!state.acknowledgedAt) await continueAsNew<typeof urgentEscalation>({ ...input, continued: state });
    }
  }
  await condition(settled);
  return state;
}
