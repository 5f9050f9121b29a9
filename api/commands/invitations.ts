// Invitations: send them before the workflow would, extend a deadline, record an agency's no involvement.
import { extendDeadlineSchema } from '../../domain/schemas';
import { extendDeadlineUpdate, noInvolvementUpdate, sendInvitationsUpdate } from '../../workflows/messages';
import type { Principal } from '../auth';
import { HttpError, parse, whileAuditRuns } from '../errors';
import { type AuditDeps, auditWorkflow, findAudit, recordTrail, type UpdateOptions } from './deps';

/** The invitations go now instead of after two working days; the workflow sends them after it has answered. */
export async function sendInvitations(deps: AuditDeps, actor: Principal, auditId: string, opts: UpdateOptions = {}) {
  const audit = await findAudit(deps.db, auditId);
  await whileAuditRuns(auditWorkflow(deps.temporal, audit).executeUpdate(sendInvitationsUpdate, opts));
  await recordTrail(deps.db, audit.id, actor, 'invitations.send_requested');
  return { id: audit.id, stage: 'invitations' as const, sending: true };
}

/** One invitation's deadline, or every open one's, moves to `dueAt`. */
export async function extendDeadline(
  deps: AuditDeps,
  actor: Principal,
  auditId: string,
  input: unknown,
  opts: UpdateOptions = {},
) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const body = parse(extendDeadlineSchema, input);
  const changed = await whileAuditRuns(
    auditWorkflow(deps.temporal, audit).executeUpdate(extendDeadlineUpdate, { args: [body], ...opts }),
  );
  // The workflow writes the deadlines too, after it has answered; written here as well, the caller's next
  // read already has them.
  await db.$transaction([
    db.invitation.updateMany({
      where: { id: { in: changed.map((i) => i.invitationId) } },
      data: { dueAt: new Date(body.dueAt) },
    }),
    recordTrail(db, audit.id, actor, 'deadline.extended', body),
  ]);
  return { invitations: changed.map((i) => ({ id: i.invitationId, dueAt: i.dueAt })) };
}

/** The agency had no involvement with the case: its invitation closes and its link stops taking answers. */
export async function recordNoInvolvement(
  deps: AuditDeps,
  actor: Principal,
  auditId: string,
  invitationId: string,
  opts: UpdateOptions = {},
) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const invitation = await db.invitation.findFirst({ where: { id: invitationId, auditId: audit.id } });
  if (!invitation) throw new HttpError(404, 'not_found', 'No such invitation in this audit.');
  const closed = await whileAuditRuns(
    auditWorkflow(deps.temporal, audit).executeUpdate(noInvolvementUpdate, {
      args: [{ invitationId: invitation.id }],
      ...opts,
    }),
  );
  // As for an extension: the workflow writes the status too, after it has answered; here the link stops now.
  await db.$transaction([
    db.invitation.updateMany({
      where: { id: invitation.id, status: 'pending' },
      data: { status: 'no_involvement' },
    }),
    recordTrail(db, audit.id, actor, 'invitation.no_involvement', { invitationId: invitation.id }),
  ]);
  return { id: invitation.id, status: closed.status };
}
