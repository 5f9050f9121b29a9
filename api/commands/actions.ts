// Actions from the discussion, followed up each quarter by their own workflow (`action-<id>`) until the LIS,
// or the business unit on its behalf, closes them (PRODUCT.md, stage 9).
import { z } from 'zod';
import { closeActionRow } from '../../activities/follow-up';
import { actionWorkflowId, closeActionUpdate } from '../../workflows/messages';
import type { Principal } from '../auth';
import { HttpError, whileAuditRuns } from '../errors';
import { type AuditDeps, recordTrail, type UpdateOptions } from './deps';

const actionIdSchema = z.uuid();

/**
 * Closes the action; the audit completes when its last open action closes. The workflow answers before its
 * own write of the close, so the row is written here too, with who closed it: the list the person returns
 * to shows it closed.
 */
export async function closeAction(deps: AuditDeps, actor: Principal, actionId: string, opts: UpdateOptions = {}) {
  const { db } = deps;
  const parsed = actionIdSchema.safeParse(actionId);
  const action = parsed.success ? await db.action.findUnique({ where: { id: parsed.data } }) : null;
  if (!action) throw new HttpError(404, 'not_found', 'No such action.');
  if (action.status === 'closed') throw new HttpError(409, 'already_closed', 'This action is closed already.');
  if (action.status === 'cancelled')
    throw new HttpError(409, 'audit_cancelled', 'This action’s audit was cancelled: it is no longer followed up.');

  await recordTrail(db, action.auditId, actor, 'action.close_requested', {
    actionId: action.id,
    number: action.number,
  });
  const state = await whileAuditRuns(
    deps.temporal.workflow.getHandle(actionWorkflowId(action.id)).executeUpdate(closeActionUpdate, opts),
    'This action is not being followed up: its follow-up starts at LIS sign-off and ends when it is closed.',
  );
  // Runs from before 0.3.0 wrote the row before answering; this write then finds it done.
  if (state.closedAt) {
    await closeActionRow(db, { actionId: action.id, closedAt: new Date(state.closedAt), closedBy: actor.actor });
  }
  return { id: action.id, status: state.status };
}
