// What the API's audit routes and the console's pages read alike. Statuses, dates and references only: never
// a child's identifiers, nor the words of a concern or of its acknowledgement.
import type { Prisma } from '../prisma/generated/client';
import type { Db } from '../infra/db';

/** Every audit, newest first, from the database's copy of the stage, with the dates its deadlines fall on. */
export function everyAudit(db: Db) {
  return db.audit.findMany({
    orderBy: { createdAt: 'desc' },
    select: {
      id: true,
      focus: true,
      stage: true,
      createdAt: true,
      invitations: { select: { status: true, dueAt: true } },
      reportVersions: { select: { approvals: { select: { decision: true, supersededAt: true, dueAt: true } } } },
      actions: { select: { status: true, rag: true, dueAt: true } },
      escalations: { select: { status: true, acknowledgeBy: true } },
    },
  });
}

/** The earliest of `times` (ms) still to come, or null. */
/** Every audit, newest first: its stage, where its invitations stand, its next deadline (GET /api/audits, /audits). */
export async function auditSummaries(db: Db) {
  const audits = await everyAudit(db);
  const now = Date.now();
  return audits.map((a) => {
    const open = a.invitations.filter((i) => i.status === 'pending');
    const dues = open.flatMap((i) => (i.dueAt ? [i.dueAt.getTime()] : []));
    return {
      id: a.id,
      focus: a.focus,
      stage: a.stage,
      createdAt: a.createdAt.toISOString(),
      invitations: { total: a.invitations.length, open: open.length, overdue: dues.filter((d) => d < now).length },
      nextDeadline: nextDeadline(dues, now),
    };
  });
}

export function nextDeadline(times: number[], now: number): string | null {
  const upcoming = times.filter((t) => t >= now);
  return upcoming.length ? new Date(Math.min(...upcoming)).toISOString() : null;
}

/** An approval's decision, else whether a later version superseded it or it is still pending. */
export function approvalStatus<D extends string>(a: { decision: D | null; supersededAt: Date | null }) {
  return a.decision ?? (a.supersededAt ? 'superseded' : 'pending');
}

/** An escalation as the audit's readers see it: its status only, never the concern nor the acknowledger's words. */
export const escalationStatusSelect = {
  id: true,
  agencyId: true,
  source: true,
  status: true,
  raisedAt: true,
  acknowledgeBy: true,
  acknowledgedAt: true,
  reEscalations: true,
} satisfies Prisma.EscalationSelect;

export function escalationStatus(e: Prisma.EscalationGetPayload<{ select: typeof escalationStatusSelect }>) {
  return {
    source: e.source,
    status: e.status,
    raisedAt: e.raisedAt.toISOString(),
    acknowledgeBy: e.acknowledgeBy?.toISOString() ?? null,
    acknowledgedAt: e.acknowledgedAt?.toISOString() ?? null,
    reEscalations: e.reEscalations,
  };
}

export interface OpenProblem {
  /** What could not be done: an activity's name, or `email <purpose>`. */
  step: string;
  /** The failure's own words (IDs only), e.g. "no action 3f…" or "recordDeadlines: a row it needs is not there". */
  message: string;
  /** When it first failed; the workflow tries it again each day until it succeeds. */
  since: string;
  workflowId: string;
}

/** The steps of an audit's workflows that failed for good and have not succeeded since (workflows/steps.ts). */
export async function openProblems(db: Db, auditId: string): Promise<OpenProblem[]> {
  const entries = await db.auditTrailEntry.findMany({
    where: { auditId, action: { in: ['step.failed', 'step.recovered'] } },
    orderBy: { at: 'asc' },
    select: { at: true, action: true, details: true },
  });
  const open = new Map<string, OpenProblem>();
  for (const { at, action, details } of entries) {
    const d = details as { problemId: string; step: string; message?: string; workflowId: string };
    if (action === 'step.recovered') open.delete(d.problemId);
    else
      open.set(d.problemId, {
        step: d.step,
        message: d.message ?? '',
        since: at.toISOString(),
        workflowId: d.workflowId,
      });
  }
  return [...open.values()];
}
