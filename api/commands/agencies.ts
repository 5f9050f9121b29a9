// The agency directory. A new contact or lead address takes effect from the next email: emails read the
// directory when they are sent.
import { z } from 'zod';
import { type CreateAgency, createAgencySchema, updateAgencySchema } from '../../domain/schemas';
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

/** An agency of the file, and what importing it does to the directory (matched by name). */
export interface PlannedAgency {
  line: number;
  agency: CreateAgency;
  change: 'add' | 'update' | 'unchanged';
  /** For an update: the fields that change. */
  fields: AgencyDetail[];
}

const AGENCY_DETAILS = ['type', 'contactEmail', 'leadEmail'] as const;
type AgencyDetail = (typeof AGENCY_DETAILS)[number];

/** What importing these agencies would do to the directory as it is now. */
export async function planAgencyImport(
  { db }: DirectoryDeps,
  rows: { line: number; agency: CreateAgency }[],
): Promise<PlannedAgency[]> {
  const known = await db.agency.findMany({ where: { name: { in: rows.map((r) => r.agency.name) } } });
  const byName = new Map(known.map((a) => [a.name, a]));
  return rows.map(({ line, agency }) => ({ line, agency, ...changeOf(agency, byName.get(agency.name)) }));
}

function changeOf(agency: CreateAgency, existing: CreateAgency | undefined): Pick<PlannedAgency, 'change' | 'fields'> {
  if (!existing) return { change: 'add', fields: [] };
  const fields = AGENCY_DETAILS.filter((f) => existing[f] !== agency[f]);
  return { change: fields.length ? 'update' : 'unchanged', fields };
}

/**
 * What "Import agencies" sends: the agencies of a file already read (domain/agencies-csv.ts readAgenciesCsv,
 * the CLI's columns and checks), each upserted by name.
 */
export const importAgenciesSchema = z.strictObject({
  agencies: z
    .array(createAgencySchema)
    .min(1)
    .max(10_000)
    .refine((list) => new Set(list.map((a) => a.name)).size === list.length, 'each agency’s name once'),
});

/**
 * Adds or updates the agencies (matched by name), all or none, each change in the audit trail. What the
 * directory holds already is left as it is.
 */
export async function importAgencies({ db }: DirectoryDeps, actor: Principal, input: unknown) {
  const { agencies } = parse(importAgenciesSchema, input);
  return db.$transaction(async (tx) => {
    const done = { created: 0, updated: 0, unchanged: 0 };
    for (const agency of agencies) {
      const existing = await tx.agency.findUnique({ where: { name: agency.name } });
      const { change, fields } = changeOf(agency, existing ?? undefined);
      if (change === 'unchanged') {
        done.unchanged++;
        continue;
      }
      const row = existing
        ? await tx.agency.update({ where: { id: existing.id }, data: agency })
        : await tx.agency.create({ data: agency });
      await tx.auditTrailEntry.create({
        data: {
          ...trailActor(actor),
          action: existing ? 'agency.updated' : 'agency.created',
          details: existing ? { agencyId: row.id, fields } : { agencyId: row.id },
        },
      });
      done[existing ? 'updated' : 'created']++;
    }
    return done;
  });
}

async function refuseNameTaken(db: Db, name: string): Promise<void> {
  const existing = await db.agency.findUnique({ where: { name } });
  if (existing)
    throw new HttpError(409, 'already_exists', `An agency named "${name}" already exists.`, { id: existing.id });
}
