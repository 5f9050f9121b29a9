// What the API's audit routes and the console's pages read alike. Statuses, dates and references only: never
// a child's identifiers, nor the words of a concern or of its acknowledgement.
import type { Prisma } from '../prisma/generated/client';
import type { Stage } from '../domain/stages';
import type { Db } from '../infra/db';
import type { AuditSummary } from './views/audit-summary';

/** What an audit's summary is drawn from: its stage and the dates its deadlines fall on. */
const summarySelect = {
  id: true,
  focus: true,
  stage: true,
  createdAt: true,
  invitations: { select: { status: true, dueAt: true } },
  reportVersions: { select: { approvals: { select: { decision: true, supersededAt: true, dueAt: true } } } },
  actions: { select: { status: true, rag: true, dueAt: true } },
  escalations: { select: { status: true, acknowledgeBy: true } },
} satisfies Prisma.AuditSelect;

type SummaryRow = Prisma.AuditGetPayload<{ select: typeof summarySelect }>;

/** Every audit, newest first, from the database's copy of the stage, with the dates its deadlines fall on. */
export function everyAudit(db: Db) {
  return db.audit.findMany({ orderBy: { createdAt: 'desc' }, select: summarySelect });
}

/** The stages in which a pending invitation's or approval's due date is a deadline someone is held to. */
const ACTIVE_DUE = { submissions: 'awaiting_submissions', approvals: 'practitioner_approval' } as const;

/** An audit at a glance: what is due next, what is overdue, how its actions stand. */
export function summariseAudit(a: SummaryRow, now: number): AuditSummary {
  const ended = a.stage === 'cancelled' || a.stage === 'completed';
  const dues = {
    submissions:
      a.stage === ACTIVE_DUE.submissions
        ? a.invitations.filter((i) => i.status === 'pending').flatMap((i) => (i.dueAt ? [i.dueAt] : []))
        : [],
    approvals:
      a.stage === ACTIVE_DUE.approvals
        ? a.reportVersions.flatMap((v) => v.approvals.filter((x) => !x.decision && !x.supersededAt).map((x) => x.dueAt))
        : [],
    actions: ended ? [] : a.actions.filter((x) => x.status === 'open').map((x) => x.dueAt),
    // An urgent escalation outlives its audit.
    escalations: a.escalations
      .filter((e) => e.status === 'open')
      .flatMap((e) => (e.acknowledgeBy ? [e.acknowledgeBy] : [])),
  };
  const all = Object.values(dues)
    .flat()
    .map((d) => d.getTime());
  const overdue = (list: Date[]) => list.filter((d) => d.getTime() < now).length;
  const rag = { red: 0, amber: 0, green: 0, complete: 0, none: 0, closed: 0 };
  for (const action of a.actions) {
    if (action.status === 'closed') rag.closed += 1;
    else if (action.status === 'cancelled') continue;
    else rag[action.rag ?? 'none'] += 1;
  }
  return {
    id: a.id,
    focus: a.focus,
    stage: a.stage,
    createdAt: a.createdAt.toISOString(),
    nextDeadline: nextDeadline(all, now),
    overdue: {
      submissions: overdue(dues.submissions),
      approvals: overdue(dues.approvals),
      actions: overdue(dues.actions),
      escalations: overdue(dues.escalations),
    },
    openEscalations: a.escalations.filter((e) => e.status === 'open').length,
    rag,
  };
}

/** An email not known to have reached its recipient: failed, refused or unconfirmed (activities/email.ts). */
const UNSENT_STATUSES = ['failed', 'refused', 'unconfirmed'] as const;

/** Which audits the console's list shows: one stage, those needing attention; a page of them. */
export interface AuditListQuery {
  stage?: Stage;
  attention?: boolean;
  page: number;
  pageSize: number;
}

/**
 * One page of the audits list, newest first, with how many audits match in all. Only the page's rows are
 * read: the filters are the query's, not a sift of every audit in memory.
 */
export async function auditListPage(db: Db, query: AuditListQuery, now = new Date()) {
  const where: Prisma.AuditWhereInput = {
    ...(query.stage ? { stage: query.stage } : {}),
    ...(query.attention ? { OR: await needsAttention(db, now) } : {}),
  };
  const [total, rows] = await Promise.all([
    db.audit.count({ where }),
    db.audit.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
      select: summarySelect,
    }),
  ]);
  const unsent = rows.length
    ? await db.emailOutbox.groupBy({
        by: ['auditId'],
        // An email sent again counts once, through the one it repeats (activities/email.ts failedEmails).
        where: { auditId: { in: rows.map((r) => r.id) }, resendOf: null, status: { in: [...UNSENT_STATUSES] } },
        _count: { _all: true },
      })
    : [];
  const unsentOf = new Map(unsent.map((u) => [u.auditId, u._count._all]));
  return {
    total,
    audits: rows.map((r) => ({ ...summariseAudit(r, now.getTime()), unsentEmails: unsentOf.get(r.id) ?? 0 })),
  };
}

/**
 * What makes an audit need attention: an invitation overdue while submissions are awaited, an email
 * not known to have gone, an urgent escalation nobody has acknowledged.
 */
async function needsAttention(db: Db, now: Date): Promise<Prisma.AuditWhereInput[]> {
  // The outbox keeps the audit's ID without a relation: the few audits with an unsent email, first.
  const unsent = await db.emailOutbox.findMany({
    where: { auditId: { not: null }, status: { in: [...UNSENT_STATUSES] } },
    distinct: ['auditId'],
    select: { auditId: true },
  });
  return [
    { stage: ACTIVE_DUE.submissions, invitations: { some: { status: 'pending', dueAt: { lt: now } } } },
    { escalations: { some: { status: 'open' } } },
    { id: { in: unsent.flatMap((u) => (u.auditId ? [u.auditId] : [])) } },
  ];
}

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

/** The earliest of `times` (ms) still to come, or null. */
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
