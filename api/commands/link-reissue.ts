// "Send the link again" for the links that are not an audit tool's (that one is in invitations.ts): a
// participating agency's pack, a practitioner's approval of one report version, an action's latest
// quarterly progress request, an escalation's acknowledgement. As for an audit tool: the old link is
// revoked (410 link_gone from the moment this returns), the task's link version counts up, the trail says
// who did it, and the task's email goes again once, with the new link, through a business-unit notice.
import { z } from 'zod';
import type { Notification } from '../../domain/notifications';
import type { Db } from '../../infra/db';
import type { Principal } from '../auth';
import { HttpError } from '../errors';
import { findAudit, recordTrail } from './deps';
import { type NoticeDeps, startNotice } from './invitations';

/** Where each kind's task and its link version live. */
const TABLES = {
  pack: 'PackLink',
  approve: 'Approval',
  progress: 'ActionProgress',
  acknowledge: 'Escalation',
} as const;

/** A reissue's email, but for the version the reissue makes. */
type Reissued = Extract<Notification, { purpose: `${string}_link_reissued` }>;
type Notice = Reissued extends infer N ? (N extends Reissued ? Omit<N, 'linkVersion'> : never) : never;

/**
 * Revokes the task's live link, counts its version up and records it (the trail names the task as the
 * email does); then the task's email goes again, with the new link.
 */
async function reissue(
  deps: NoticeDeps,
  actor: Principal,
  auditId: string,
  kind: keyof typeof TABLES,
  row: { id: string; tokenHash: string | null; linkVersion: number },
  notice: Notice,
) {
  const linkVersion = row.linkVersion + 1;
  await deps.db.$transaction(async (tx) => {
    // Only from the version read: nothing when another reissue came first. No hash until its email makes it.
    const moved = await tx.$executeRawUnsafe(
      `UPDATE "${TABLES[kind]}" SET "linkVersion" = $1, "tokenHash" = NULL WHERE id = $2 AND "linkVersion" = $3`,
      linkVersion,
      row.id,
      row.linkVersion,
    );
    if (moved === 0) throw new HttpError(409, 'conflict', 'The link was sent again meanwhile; reload and check.');
    if (row.tokenHash) {
      await tx.revokedLink.create({ data: { tokenHash: row.tokenHash, kind, reason: 'reissued' } });
    }
    const { purpose: _purpose, ...task } = notice;
    await recordTrail(tx, auditId, actor, `${kind}.link_reissued`, { ...task, linkVersion });
  });
  await startNotice(deps, auditId, { ...notice, linkVersion });
  return { id: row.id, linkVersion };
}

/** A path's ID: a UUID, else no row could have it (404). */
function idOf(value: string, what: string): string {
  const parsed = z.uuid().safeParse(value);
  if (!parsed.success) throw new HttpError(404, 'not_found', `No such ${what}.`);
  return parsed.data;
}

const notFound = (what: string) => new HttpError(404, 'not_found', `No such ${what}.`);
const refused = (message: string) => new HttpError(409, 'wrong_stage', message);

/** The audit, unless its identifiable records have been purged (its links then stay stopped). */
async function unpurgedAudit(db: Db, auditId: string) {
  const audit = await findAudit(db, auditId);
  if (audit.purgedAt) throw refused('The records of this audit about the children have been deleted.');
  return audit;
}

/** The collated pack's link of one participating agency, once the pack has gone out. */
export async function reissuePackLink(deps: NoticeDeps, actor: Principal, auditId: string, agencyId: string) {
  const audit = await unpurgedAudit(deps.db, auditId);
  if (audit.stage === 'cancelled') throw refused('This audit has been cancelled: its pack is no longer read.');
  const row = await deps.db.packLink.findFirst({ where: { auditId: audit.id, agencyId: idOf(agencyId, 'pack link') } });
  if (!row) throw notFound('pack link: the pack has not gone to this agency');
  return reissue(deps, actor, audit.id, 'pack', row, { purpose: 'pack_link_reissued', agencyId: row.agencyId });
}

/** A practitioner's approval link, while the version awaits their decision. */
export async function reissueApprovalLink(deps: NoticeDeps, actor: Principal, auditId: string, approvalId: string) {
  const audit = await unpurgedAudit(deps.db, auditId);
  const row = await deps.db.approval.findFirst({
    where: { id: idOf(approvalId, 'approval'), reportVersion: { auditId: audit.id } },
  });
  if (!row) throw notFound('approval in this audit');
  if (audit.stage === 'cancelled' || row.decidedAt || row.supersededAt)
    throw refused(
      'This approval is no longer awaited: it was decided, a newer version replaced it, or the audit ended.',
    );
  return reissue(deps, actor, audit.id, 'approve', row, { purpose: 'approval_link_reissued', approvalId: row.id });
}

/** An open action's latest quarterly progress request. */
export async function reissueProgressLink(deps: NoticeDeps, actor: Principal, actionId: string) {
  const action = await deps.db.action.findUnique({ where: { id: idOf(actionId, 'action') } });
  if (!action) throw notFound('action');
  if (action.status !== 'open') throw refused(`This action is ${action.status}: no progress is asked for.`);
  const row = await deps.db.actionProgress.findFirst({ where: { actionId: action.id }, orderBy: { quarter: 'desc' } });
  if (!row) throw refused('No progress has been asked for on this action yet: its first quarter has not come.');
  return reissue(deps, actor, action.auditId, 'progress', row, {
    purpose: 'progress_link_reissued',
    actionId: action.id,
    quarter: row.quarter,
  });
}

/** The agency lead's acknowledgement link, while the escalation waits for it (also in a cancelled audit). */
export async function reissueAcknowledgementLink(
  deps: NoticeDeps,
  actor: Principal,
  auditId: string,
  escalationId: string,
) {
  const audit = await unpurgedAudit(deps.db, auditId);
  const row = await deps.db.escalation.findFirst({
    where: { id: idOf(escalationId, 'escalation'), auditId: audit.id },
  });
  if (!row) throw notFound('escalation in this audit');
  if (row.acknowledgedAt || row.status !== 'open') throw refused('This concern has been acknowledged.');
  return reissue(deps, actor, audit.id, 'acknowledge', row, {
    purpose: 'acknowledgement_link_reissued',
    escalationId: row.id,
  });
}
