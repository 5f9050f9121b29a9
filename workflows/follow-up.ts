// Stage 9 — action follow-up. Every action and recommendation has its own child workflow (`action-<id>`)
// that asks its owner agency for progress each quarter, chases it once past its due date, and runs until
// the LIS (or the business unit on its behalf) closes it — for years if need be: each run continues as
// new after a year of quarters, so no run's history grows with the action's age. The audit sends the
// LIS its quarterly summary and completes when every action is closed.
//
// The audit never continues as new, so its run must not grow with actions × quarters: a follow-up
// signals it only with what the audit cannot work out (a changed RAG, the overdue chase, the close). The
// quarterly schedule (requests sent, the next one) the audit works out itself, from the same `from` and
// interval as every child (`nextRequestAt`).
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { nthAfter, type Timeline, timelineOf } from '../domain/timeline';
import { DATABASE_ACTIVITY } from './activity-options';
import { alreadyDone } from './errors';
import {
  type ActionFollowUpInput,
  actionChangedSignal,
  actionProgressUpdate,
  type ActionState,
  actionStateQuery,
  actionWorkflowId,
  type AuditState,
  auditWorkflowId,
  closeActionUpdate,
  type Rag,
  type TimelineInput,
} from './messages';
import { tell } from './notify';
import { chores as choresOf, steady } from './steps';
import { PATCHES } from './patches';

export type { ActionFollowUpInput };

const { openAction, requestProgress, recordActionClosed } = steady(proxyActivities<Activities>(DATABASE_ACTIVITY));

/** A run continues as new after this many quarters: a year's history at most, however long the action lives. */
export const QUARTERS_PER_RUN = 4;

const isOpen = (state: AuditState) => state.actions.some((a) => a.status === 'open');

/** The instant of an action's next quarterly progress request, once `sent` have gone: one schedule for all. */
const nextRequestAt = (from: Date, timeline: Timeline, sent: number) =>
  nthAfter(from, timeline.followUpInterval, sent + 1);

/** For the audit: starts every action's follow-up, sends the LIS its quarterly summaries, returns when all are closed. */
export async function followUpActions(state: AuditState, timeline: Timeline, timelines: TimelineInput): Promise<void> {
  // Every child gets this `from` (and the audit's timeline overrides), so they and the audit count the same quarters.
  const followUpFrom = state.followUpFrom ?? new Date().toISOString();
  const from = new Date(followUpFrom);
  /** An open action has had one request per quarter passed, as the audit counts them with its LIS summaries. */
  const scheduleOpenActions = () => {
    for (const action of state.actions.filter((a) => a.status === 'open')) {
      action.progressRequests = state.lisSummaries;
      action.nextReminderAt = nextRequestAt(from, timeline, state.lisSummaries).toISOString();
    }
  };
  scheduleOpenActions();
  const children = await Promise.all(
    state.actions.map((action) =>
      startChild(actionFollowUp, {
        workflowId: actionWorkflowId(action.actionId),
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        args: [{ actionId: action.actionId, auditId: state.auditId, from: followUpFrom, ...timelines }],
      }),
    ),
  );
  while (isOpen(state) && !state.cancelled) {
    const next = nextRequestAt(from, timeline, state.lisSummaries).getTime();
    if (await condition(() => !isOpen(state) || state.cancelled, Math.max(0, next - Date.now()))) break;
    state.lisSummaries++;
    scheduleOpenActions();
    await tell(state.auditId, { purpose: 'lis_progress_summary', quarter: state.lisSummaries });
  }
  if (!state.cancelled) {
    await Promise.all(children.map((child) => child.result()));
    return;
  }
  // Cancelled: the follow-ups still running stop too (the audit itself stays open for its retention period).
  await Promise.all(
    state.actions
      .filter((a) => a.status === 'open')
      .map((a) => getExternalWorkflowHandle(actionWorkflowId(a.actionId)).cancel()),
  );
}

export async function actionFollowUp(input: ActionFollowUpInput): Promise<ActionState> {
  const { actionId, auditId } = input;
  const timeline = timelineOf(input);
  const from = new Date(input.from);
  const state: ActionState = input.continued ?? {
    actionId,
    auditId,
    ...(await openAction({ actionId })),
    progressRequests: 0,
    overdueChased: false,
  };
  let closing = false;
  // The handlers answer at once (PATCHES.handlersReturnAtOnce): telling the audit and the database follow.
  const chores = choresOf();
  const atOnce = () => patched(PATCHES.handlersReturnAtOnce);
  const settled = () => allHandlersFinished() && chores.done();

  /** The audit shows every action's state in its own query: told only what it cannot work out itself. */
  const tellAudit = async () => {
    try {
      await getExternalWorkflowHandle(auditWorkflowId(auditId)).signal(actionChangedSignal, { ...state });
    } catch {
      // The audit has closed (cancelled): nothing to tell.
    }
  };

  setHandler(actionStateQuery, () => state);

  setHandler(
    actionProgressUpdate,
    async ({ status }: { progressId: string; status: Rag }) => {
      // The same status reported again changes nothing the audit shows.
      if (status !== state.rag) {
        state.rag = status;
        if (atOnce()) chores.later(tellAudit);
        else await tellAudit();
      }
      return state;
    },
    { validator: (_: { progressId: string; status: Rag }) => refuseUnlessOpen('report progress on') },
  );

  setHandler(
    closeActionUpdate,
    async () => {
      closing = true;
      if (atOnce()) {
        state.status = 'closed';
        state.closedAt = new Date().toISOString();
        delete state.nextReminderAt;
        const closedAt = state.closedAt;
        chores.later(async () => {
          state.closedAt = await recordActionClosed({ actionId, closedAt });
          await tellAudit();
        });
        return state;
      }
      state.closedAt = await recordActionClosed({ actionId });
      state.status = 'closed';
      delete state.nextReminderAt;
      await tellAudit();
      return state;
    },
    { validator: () => refuseUnlessOpen('close') },
  );

  function refuseUnlessOpen(action: string) {
    if (state.status !== 'open' || closing) throw alreadyDone(`${action} action ${state.number}: it is closed`);
  }

  const firstOfRun = state.progressRequests;
  while (state.status === 'open') {
    const nextRequest = nextRequestAt(from, timeline, state.progressRequests);
    state.nextReminderAt = nextRequest.toISOString();
    const overdueAt = state.overdueChased ? Infinity : Date.parse(state.dueAt);
    const wake = Math.min(nextRequest.getTime(), overdueAt);
    if (await condition(() => state.status === 'closed', Math.max(0, wake - Date.now()))) break;

    // One chase per wake-up: the due date falling on a quarter's request is chased once.
    let chased = false;
    if (!state.overdueChased && Date.now() >= overdueAt) {
      state.overdueChased = true;
      chased = true;
      await tell(auditId, { purpose: 'action_overdue', actionId, n: 0 });
      await tellAudit();
    }
    if (Date.now() >= nextRequest.getTime()) {
      const quarter = state.progressRequests + 1;
      await requestProgress({ actionId, quarter });
      await tell(auditId, { purpose: 'action_progress_request', actionId, quarter });
      if (!chased && Date.parse(state.dueAt) < Date.now())
        await tell(auditId, { purpose: 'action_overdue', actionId, n: quarter });
      state.progressRequests = quarter;
      if (quarter - firstOfRun >= QUARTERS_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await condition(settled);
        if (state.status === 'open') await continueAsNew<typeof actionFollowUp>({ ...input, continued: state });
      }
    }
  }
  await condition(settled);
  return state;
}
