// The agency directory. A new contact or lead address takes effect from the next email: emails read the
// directory when they are sent.
import { z } from 'zod';
import { createAgencySchema, updateAgencySchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { type Principal, trailActor } from '../auth';
import { HttpError, parse } from '../errors';
import type { CommandDeps } from './deps';

type DirectoryDeps = Pick<CommandDeps, 'db'>;

export function listAgencies({ db }: DirectoryDeps) {
  return db.agency.findMany({ orderBy: { name: 'asc' } });
}

export async function createAgency({ db }: DirectoryDeps, actor: Principal, input: unknown) {
  const body = parse(createAgencySchema, input);
  await refuseNameTaken(db, body.name);
  const agency = await db.agency.create({ data: body });
  await db.auditTrailEntry.create({
    data: { ...trailActor(actor), action: 'agency.created', details: { agencyId: agency.id } },
  });
  return agency;
}

export async function updateAgency({ db }: DirectoryDeps, actor: Principal, agencyId: string, input: unknown) {
  const id = z.uuid().safeParse(agencyId);
  const agency = id.success ? await db.agency.findUnique({ where: { id: id.data } }) : null;
  if (!agency) throw new HttpError(404, 'not_found', 'No such agency.');
  const body = parse(updateAgencySchema, input);
  if (body.name && body.name !== agency.name) await refuseNameTaken(db, body.name);
  const [updated] = await db.$transaction([
    db.agency.update({ where: { id: agency.id }, data: body }),
    db.auditTrailEntry.create({
      data: {
        ...trailActor(actor),
        action: 'agency.updated',
        details: { agencyId: agency.id, fields: Object.keys(body) },
      },
    }),
  ]);
  return updated;
}

async function refuseNameTaken(db: Db, name: string): Promise<void> {
  const existing = await db.agency.findUnique({ where: { name } });
  if (existing)
    throw new HttpError(409, 'already_exists', `An agency named "${name}" already exists.`, { id: existing.id });
}
