// Audits that are still open: one audit stopped in each stage it waits in, an urgent escalation not yet
// acknowledged, and an action half-way through its year. Each history, taken as the audit waits, replays
// against today's code; recorded (`RECORD_HISTORIES=1`), they are the open audits a later release must
// still replay — so that a change to a later stage is tried against audits that have not reached it.
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { DEFAULT_TIMELINE, nthAfter } from '../../domain/timeline';
import {
  actionStateQuery,
  actionWorkflowId,
  escalationStateQuery,
  escalationWorkflowId,
  sendInvitationsUpdate,
} from '../../workflows/messages';
import { untilStage, useAuditBed } from '../support/audit-bed';
import { recordHistory } from '../support/histories';
import { lifecycle } from '../support/lifecycle';
import { workflowBundle } from '../support/temporal';

jest.setTimeout(180_000);

const { bed, startAudit } = useAuditBed('open-audits-test');
const DAY = 24 * 3600 * 1000;

/** Its history as it stands (the workflow still running) replays, and is kept under `name` when recording. */
async function replaysWhileOpen(handle: WorkflowHandle, name: string): Promise<void> {
  const history = await handle.fetchHistory();
  const last = history.events!.at(-1)!;
  // Still open: the history ends with a workflow task done, nothing closed it.
  expect(last.workflowExecutionCompletedEventAttributes ?? last.workflowExecutionCanceledEventAttributes).toBeFalsy();
  await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, name);
  await recordHistory(handle, name);
}

test('an audit waiting in each stage, an unacknowledged escalation and an action mid-year replay as they stand', async () => {
  const { auditId, handle } = await startAudit();
  const api = lifecycle(bed.db, bed.env.client, handle);

  await untilStage(handle, 'invitations');
  await replaysWhileOpen(handle, 'open-in-invitations');

  await handle.executeUpdate(sendInvitationsUpdate);
  await untilStage(handle, 'awaiting_submissions');
  await bed.env.sleep(12 * DAY); // past the first reminders
  await replaysWhileOpen(handle, 'open-in-awaiting-submissions');

  await api.submitAll();
  await untilStage(handle, 'collation');
  await replaysWhileOpen(handle, 'open-in-collation');

  await api.scheduleDiscussion(auditId, new Date((await bed.env.currentTimeMs()) + 10 * DAY));
  await untilStage(handle, 'discussion');
  await replaysWhileOpen(handle, 'open-in-discussion');

  await bed.env.sleep(11 * DAY);
  const { invitations } = await api.state();
  const dueAt = new Date((await bed.env.currentTimeMs()) + 300 * DAY);
  const owner = invitations[0]!.agencyId;
  const outcome = await api.recordOutcome(auditId, {
    urgentActions: [{ ownerAgencyId: owner, dueAt }],
    recommendations: [{ ownerAgencyId: invitations.at(-1)!.agencyId, dueAt }],
    concerns: [{ caseRef: 'NYC-4711' }],
  });
  await untilStage(handle, 'report');
  await replaysWhileOpen(handle, 'open-in-report');

  // The concern's escalation, gone once to the lead and once more to the lead and the manager.
  const escalation = bed.env.client.workflow.getHandle(escalationWorkflowId(outcome.escalations[0]!));
  await bed.env.sleep(5 * 3_600_000);
  expect((await escalation.query(escalationStateQuery)).reEscalations).toBe(1);
  await replaysWhileOpen(escalation, 'open-escalation-after-one-round');
  await api.acknowledge(outcome.escalations[0]!);

  await api.submitReport(auditId);
  await untilStage(handle, 'practitioner_approval');
  await replaysWhileOpen(handle, 'open-in-practitioner-approval');

  await api.approveAll();
  await untilStage(handle, 'lis_signoff');
  await replaysWhileOpen(handle, 'open-in-lis-signoff');

  await api.lisDecide(auditId, 'approved');
  const following = await untilStage(handle, 'action_follow_up');
  const from = new Date(following.followUpFrom!);
  await bed.env.sleep(nthAfter(from, DEFAULT_TIMELINE.followUpInterval, 2).getTime() - from.getTime() + DAY);
  const action = bed.env.client.workflow.getHandle(actionWorkflowId(following.actions[0]!.actionId));
  expect((await action.query(actionStateQuery)).progressRequests).toBe(2);
  await replaysWhileOpen(handle, 'open-in-action-follow-up-mid-year');
  await replaysWhileOpen(action, 'open-action-mid-year');
});
