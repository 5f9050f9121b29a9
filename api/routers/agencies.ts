// The agency directory.
import { Router } from 'express';
import { z } from 'zod';
import { createAgencySchema, updateAgencySchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { requireRole, trailActor } from '../auth';
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
      data: { ...trailActor(req.principal!), action: 'agency.created', details: { agencyId: agency.id } },
    });
    res.status(201).json(agency);
  });

  router.get('/', requireRole('business_unit', 'manager'), async (_req, res) => {
    res.json(await db.agency.findMany({ orderBy: { name: 'asc' } }));
  });

  // A new contact or lead address takes effect from the next email: emails read the directory when sent.
  router.patch('/:id', requireRole('business_unit'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const agency = id.success ? await db.agency.findUnique({ where: { id: id.data } }) : null;
    if (!agency) throw new HttpError(404, 'not_found', 'No such agency.');
    const body = parse(updateAgencySchema, req.body);
    if (body.name && body.name !== agency.name) {
      const clash = await db.agency.findUnique({ where: { name: body.name } });
      if (clash)
        throw new HttpError(409, 'already_exists', `An agency named "${body.name}" already exists.`, { id: clash.id });
    }
    const [updated] = await db.$transaction([
      db.agency.update({ where: { id: agency.id }, data: body }),
      db.auditTrailEntry.create({
        data: {
          ...trailActor(req.principal!),
          action: 'agency.updated',
          details: { agencyId: agency.id, fields: Object.keys(body) },
        },
      }),
    ]);
    res.json(updated);
  });

  return router;
}
