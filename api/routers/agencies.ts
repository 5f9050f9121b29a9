// The agency directory over the JSON API: thin adapters over api/commands/agencies.ts.
import { Router } from 'express';
import { requireRole } from '../auth';
import { createAgency, listAgencies, updateAgency } from '../commands/agencies';
import type { CommandDeps } from '../commands/deps';

export function agenciesRouter(deps: Pick<CommandDeps, 'db'>): Router {
  const router = Router();

  router.post('/', requireRole('business_unit'), async (req, res) => {
    res.status(201).json(await createAgency(deps, req.principal!, req.body));
  });

  router.get('/', requireRole('business_unit', 'manager'), async (_req, res) => {
    res.json(await listAgencies(deps));
  });

  router.patch('/:id', requireRole('business_unit'), async (req, res) => {
    res.json(await updateAgency(deps, req.principal!, String(req.params.id), req.body));
  });

  return router;
}
