// Invitations: send them before the workflow would, extend a deadline, record an agency's no involvement,
// send an audit tool's link again (to a new contact, perhaps), reopen a submitted tool.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { type Notification, notificationKey } from '../../domain/notifications';
import { extendDeadlineSchema, reissueLinkSchema, reopenInvitationSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import type { businessUnitNotice } from '../../workflows';
import {
  extendDeadlineUpdate,
  noInvolvementUpdate,
  noticeWorkflowId,
  sendInvitationsUpdate,
} from '../../workflows/messages';
import type { Principal } from '../auth';
import { HttpError, parse, whileAuditRuns } from '../errors';
import { type AuditDeps, auditWorkflow, type CommandDeps, findAudit, recordTrail, type UpdateOptions } from './deps';

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

/** A business-unit notice (workflows/notice.ts), started once per outbox key. */
export async function startNotice(deps: NoticeDeps, auditId: string, notification: Notification): Promise<void> {
  const key = notificationKey(auditId, notification);
  try {
    await deps.temporal.workflow.start<typeof businessUnitNotice>('businessUnitNotice', {
      workflowId: noticeWorkflowId(key),
      taskQueue: deps.taskQueue,
      args: [{ auditId, notification }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export type NoticeDeps = Pick<CommandDeps, 'db' | 'temporal' | 'taskQueue'>;

const TOOL_STAGES = ['awaiting_submissions', 'collation'];

/** One audit tool: the path's audit and invitation IDs. */
export interface ToolRef {
  auditId: string;
  invitationId: string;
}

/**
 * The audit and its invitation (with the agency), while its audit tool's link is of use: submissions are
 * awaited or collated, and the pack has not gone out. 404 for an invitation not of this audit, else 409.
 */
async function openTool(db: Db, { auditId, invitationId }: ToolRef) {
  const audit = await findAudit(db, auditId);
  const parsed = z.uuid().safeParse(invitationId);
  const invitation = parsed.success
    ? await db.invitation.findFirst({ where: { id: parsed.data, auditId: audit.id }, include: { agency: true } })
    : null;
  if (!invitation) throw new HttpError(404, 'not_found', 'No such invitation in this audit.');
  if (!TOOL_STAGES.includes(audit.stage) || audit.packCirculatedAt || audit.purgedAt) {
    throw new HttpError(
      409,
      'wrong_stage',
      `An audit tool can be changed only while submissions are awaited or collated; the audit is at ${audit.stage}.`,
    );
  }
  return { audit, invitation };
}

/**
 * A new link to the invitation's audit tool, emailed to the agency's contact (or to `contactEmail`, which
 * its later emails then go to too: "Change contact"). The old link answers 410 from the moment this returns.
 */
export async function reissueLink(deps: NoticeDeps, actor: Principal, tool: ToolRef, input: unknown) {
  const { db } = deps;
  const body = parse(reissueLinkSchema, input ?? {});
  const { audit, invitation } = await openTool(db, tool);
  if (invitation.status === 'no_involvement')
    throw new HttpError(409, 'wrong_stage', 'This invitation was closed: the agency had no involvement.');
  const linkVersion = invitation.linkVersion + 1;
  const sentTo = body.contactEmail ?? invitation.emailTo ?? invitation.agency.contactEmail;
  await db.$transaction(async (tx) => {
    const moved = await tx.invitation.updateMany({
      where: { id: invitation.id, linkVersion: invitation.linkVersion },
      data: { linkVersion, tokenHash: null, ...(body.contactEmail && { emailTo: body.contactEmail }) },
    });
    if (moved.count === 0) throw new HttpError(409, 'conflict', 'The link was sent again meanwhile; reload and check.');
    if (invitation.tokenHash) {
      await tx.revokedLink.create({ data: { tokenHash: invitation.tokenHash, kind: 'respond', reason: 'reissued' } });
    }
    await recordTrail(tx, audit.id, actor, 'invitation.link_reissued', {
      invitationId: invitation.id,
      linkVersion,
      ...(body.contactEmail && { contactEmail: body.contactEmail }),
    });
  });
  await startNotice(deps, audit.id, { purpose: 'link_reissued', invitationId: invitation.id, linkVersion });
  return { id: invitation.id, linkVersion, sentTo };
}

/**
 * A submitted audit tool becomes editable through its link again (what was submitted stays, as a draft),
 * and the agency is told. A new submission is stored as the first was; the workflow already counts it in.
 */
export async function reopenInvitation(deps: NoticeDeps, actor: Principal, tool: ToolRef, input: unknown) {
  const { db } = deps;
  const body = parse(reopenInvitationSchema, input);
  const { audit, invitation } = await openTool(db, tool);
  const reopenedAt = new Date();
  await db.$transaction(async (tx) => {
    const reopened = await tx.invitation.updateMany({
      where: { id: invitation.id, status: 'submitted' },
      data: { status: 'pending', reopenedAt },
    });
    if (reopened.count === 0)
      throw new HttpError(409, 'not_submitted', 'Only a submitted audit tool can be reopened; this one is not.');
    await tx.submission.updateMany({ where: { invitationId: invitation.id }, data: { submittedAt: null } });
    await recordTrail(tx, audit.id, actor, 'invitation.reopened', { invitationId: invitation.id, reason: body.reason });
  });
  const notification = {
    purpose: 'audit_tool_reopened' as const,
    invitationId: invitation.id,
    reopenedAt: reopenedAt.toISOString(),
  };
  await startNotice(deps, audit.id, notification);
  return { id: invitation.id, status: 'pending' as const, reopenedAt: notification.reopenedAt };
}
