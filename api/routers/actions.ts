// Actions from the discussion, followed up each quarter by their own workflow (`action-<id>`) until the
// LIS, or the business unit on its behalf, closes them (PRODUCT.md, stage 9).
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../infra/db';
import { actionWorkflowId, closeActionUpdate } from '../../workflows/messages';
import { requireRole, trailActor } from '../auth';
import { updateIdFor } from '../idempotency';
import { HttpError, whileAuditRuns } from '../errors';

export interface ActionsDeps {
  db: Db;
  temporal: Client;
}

const actionIdSchema = z.uuid();

export function actionsRouter({ db, temporal }: ActionsDeps): Router {
  const router = Router();

  router.post('/:actionId/close', requireRole('lis', 'business_unit'), async (req, res) => {
    const parsed = actionIdSchema.safeParse(req.params.actionId);
    const action = parsed.success ? await db.action.findUnique({ where: { id: parsed.data } }) : null;
    if (!action) throw new HttpError(404, 'not_found', 'No such action.');
    if (action.status === 'closed') throw new HttpError(409, 'already_closed', 'This action is closed already.');
    if (action.status === 'cancelled')
      throw new HttpError(409, 'audit_cancelled', 'This action’s audit was cancelled: it is no longer followed up.');

    await db.auditTrailEntry.create({
      data: {
        auditId: action.auditId,
        ...trailActor(req.principal!),
        action: 'action.close_requested',
        details: { actionId: action.id, number: action.number },
      },
    });
    const state = await whileAuditRuns(
      temporal.workflow
        .getHandle(actionWorkflowId(action.id))
        .executeUpdate(closeActionUpdate, updateIdFor(req, 'close')),
      'This action is not being followed up: its follow-up starts at LIS sign-off and ends when it is closed.',
    );
    res.json({ id: action.id, status: state.status });
  });

  return router;
}
