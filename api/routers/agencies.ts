// The agency directory.
import { Router } from 'express';
import { createAgencySchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { requireRole } from '../auth';
import { HttpError, parse } from '../errors';

export function agenciesRouter({ db }: { db: Db }): Router {
  const router = Router();

  router.post('/', requireRole('business_unit'), async (req, res) => {
    const body = parse(createAgencySchema, req.body);
    const existing = await db.agency.findUnique({ where: { name: body.name } });
    if (existing)
      throw new HttpError(409, 'already_exists', `An agency named "${body.name}" already exists.`, { id: existing.id });
    const agency = await db.agency.create({ data: body });
    await db.auditTrailEntry.create({
      data: { actor: req.principal!.actor, action: 'agency.created', details: { agencyId: agency.id } },
    });
    res.status(201).json(agency);
  });

  router.get('/', requireRole('business_unit', 'manager'), async (_req, res) => {
    res.json(await db.agency.findMany({ orderBy: { name: 'asc' } }));
  });

  return router;
}
