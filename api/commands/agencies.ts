// The agency directory. A new contact or lead address takes effect from the next email: emails read the
// directory when they are sent.
import { z } from 'zod';
import { createAgencySchema, updateAgencySchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
// The CLI's own columns and checks, so that a file the CLI refuses the console refuses the same way.
import { AGENCY_COLUMNS, checkAgencyRows } from '../../domain/agencies-csv';
import { CsvInvalid, parseCsv, type Problem } from '../../domain/csv';
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

/** What "Import agencies (CSV)" posts: the file's text. */
export const importAgenciesSchema = z.strictObject({ csv: z.string().trim().min(1).max(500_000) });

/**
 * The directory from a CSV file as the CLI imports it (`deepdive agencies import`): the same columns and checks,
 * upserted by name. Every problem is listed by line and column, and nothing is imported while any remain.
 */
export async function importAgencies({ db }: DirectoryDeps, actor: Principal, input: unknown) {
  const { csv } = parse(importAgenciesSchema, input);
  let checked: ReturnType<typeof checkAgencyRows>;
  try {
    checked = checkAgencyRows(parseCsv(csv, { required: AGENCY_COLUMNS }));
  } catch (err) {
    if (err instanceof CsvInvalid) throw csvRefused(err.problems);
    throw err;
  }
  if (checked.problems.length) throw csvRefused(checked.problems);
  return db.$transaction(async (tx) => {
    const done = { created: 0, updated: 0, unchanged: 0 };
    for (const { agency } of checked.valid) {
      const existing = await tx.agency.findUnique({ where: { name: agency.name } });
      const fields = existing
        ? (['type', 'contactEmail', 'leadEmail'] as const).filter((f) => existing[f] !== agency[f])
        : [];
      if (existing && !fields.length) {
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

const csvRefused = (problems: Problem[]) =>
  new HttpError(
    400,
    'invalid_csv',
    `The CSV has ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}: nothing was imported.`,
    problems,
  );

async function refuseNameTaken(db: Db, name: string): Promise<void> {
  const existing = await db.agency.findUnique({ where: { name } });
  if (existing)
    throw new HttpError(409, 'already_exists', `An agency named "${name}" already exists.`, { id: existing.id });
}
