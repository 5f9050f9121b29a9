// Actions over the JSON API: closing one (api/commands/actions.ts).
import { Router } from 'express';
import { requireRole } from '../auth';
import { closeAction } from '../commands/actions';
import type { AuditDeps } from '../commands/deps';
import { updateIdFor } from '../idempotency';

export function actionsRouter(deps: AuditDeps): Router {
  const router = Router();

  router.post('/:actionId/close', requireRole('lis', 'business_unit'), async (req, res) => {
    res.json(await closeAction(deps, req.principal!, String(req.params.actionId), updateIdFor(req, 'close')));
  });

  return router;
}
