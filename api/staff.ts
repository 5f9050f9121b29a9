// The staff directory: who may sign in to the console, and as what. Managed by the business unit (the
// console's /staff, or `deepdive staff` on the command line for the first account). Every change is in
// the audit trail; deactivating someone, or changing their role, ends their sessions at once.
import { z } from 'zod';
import { ROLES, type Role } from '../infra/config';
import type { Db } from '../infra/db';
import { HttpError } from './errors';
import { endSessionsOf } from './sessions';

export const staffSchema = z.strictObject({
  email: z
    .email()
    .max(320)
    .transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
});
export type NewStaff = z.infer<typeof staffSchema>;

/** Who made a change: a trail actor (api/auth.ts `trailActor`, api/sign-in.ts `staffActor`, or the CLI's). */
export interface ChangedBy {
  actor: string;
  actorName?: string | null;
  actorRole?: string | null;
}

export function listStaff(db: Db) {
  return db.staff.findMany({ orderBy: [{ active: 'desc' }, { name: 'asc' }] });
}

/** Adds a person, or makes an inactive one active again with the name and role given. */
export async function addStaff(db: Db, by: ChangedBy, input: NewStaff) {
  const existing = await db.staff.findUnique({ where: { email: input.email } });
  if (existing?.active) throw new HttpError(409, 'already_done', `${input.email} is already in the staff directory.`);
  return db.$transaction(async (tx) => {
    const staff = existing
      ? await tx.staff.update({
          where: { id: existing.id },
          data: { name: input.name, role: input.role, active: true },
        })
      : await tx.staff.create({ data: input });
    await tx.auditTrailEntry.create({
      data: {
        ...by,
        action: existing ? 'staff.reactivated' : 'staff.added',
        details: { staffId: staff.id, role: staff.role },
      },
    });
    return staff;
  });
}

export async function changeRole(db: Db, by: ChangedBy, staffId: string, role: Role) {
  const staff = await db.staff.findUnique({ where: { id: staffId } });
  if (!staff) throw new HttpError(404, 'not_found', 'No such person in the staff directory.');
  if (staff.role === role) return staff;
  const changed = await db.$transaction(async (tx) => {
    const row = await tx.staff.update({ where: { id: staffId }, data: { role } });
    await tx.auditTrailEntry.create({
      data: { ...by, action: 'staff.role_changed', details: { staffId, from: staff.role, to: role } },
    });
    return row;
  });
  // What they may do changed: they sign in again to act with the new role.
  await endSessionsOf(db, staffId);
  return changed;
}

export async function deactivate(db: Db, by: ChangedBy, staffId: string) {
  const staff = await db.staff.findUnique({ where: { id: staffId } });
  if (!staff) throw new HttpError(404, 'not_found', 'No such person in the staff directory.');
  if (!staff.active) return staff;
  const row = await db.$transaction(async (tx) => {
    const updated = await tx.staff.update({ where: { id: staffId }, data: { active: false } });
    await tx.auditTrailEntry.create({ data: { ...by, action: 'staff.deactivated', details: { staffId } } });
    return updated;
  });
  await endSessionsOf(db, staffId);
  return row;
}
