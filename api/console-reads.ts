// What the console's report, sign-off, actions and agencies pages read: plain queries, each asking only for
// what its page shows (the actions lists one page at a time).
import type { Db } from '../infra/db';
import type { Prisma } from '../prisma/generated/client';

/** An audit's versions of the summary report, newest first, each with its approvals and LIS decisions. */
export const reportVersionsOf = (db: Db, auditId: string) =>
  db.reportVersion.findMany({
    where: { auditId },
    orderBy: { version: 'desc' },
    include: { approvals: { orderBy: { createdAt: 'asc' } }, lisDecisions: { orderBy: { decidedAt: 'asc' } } },
  });
export type ReportVersionRead = Awaited<ReturnType<typeof reportVersionsOf>>[number];

/** The agency directory's names, by ID: approvals and actions name their agency. */
export async function agencyNames(db: Db): Promise<Record<string, string>> {
  const agencies = await db.agency.findMany({ select: { id: true, name: true } });
  return Object.fromEntries(agencies.map((a) => [a.id, a.name]));
}

export const ACTIONS_PER_PAGE = 25;

const actionSelect = {
  id: true,
  auditId: true,
  number: true,
  kind: true,
  description: true,
  ownerAgencyId: true,
  dueAt: true,
  status: true,
  rag: true,
  closedAt: true,
  audit: { select: { focus: true } },
  // The latest answer of the owner agency: its update and evidence of impact.
  progress: {
    where: { reportedAt: { not: null } },
    orderBy: { quarter: 'desc' },
    take: 1,
    select: { update: true, impactEvidence: true, reportedAt: true },
  },
} satisfies Prisma.ActionSelect;
export type ActionRead = Prisma.ActionGetPayload<{ select: typeof actionSelect }>;

/**
 * One page of actions (every audit's, or one audit's). Open ones first, by due date, so the overdue lead
 * (an overdue action is an open one whose date has passed: the earliest open ones); closed and cancelled after.
 */
export async function actionsPage(db: Db, opts: { auditId?: string; page: number }) {
  const where: Prisma.ActionWhereInput = opts.auditId ? { auditId: opts.auditId } : {};
  const [total, actions] = await Promise.all([
    db.action.count({ where }),
    db.action.findMany({
      where,
      // The enum's order in the database is its declared one: open, closed, cancelled.
      orderBy: [{ status: 'asc' }, { dueAt: 'asc' }, { auditId: 'asc' }, { number: 'asc' }],
      skip: (opts.page - 1) * ACTIONS_PER_PAGE,
      take: ACTIONS_PER_PAGE,
      select: actionSelect,
    }),
  ]);
  return { total, actions, page: opts.page, pages: Math.max(1, Math.ceil(total / ACTIONS_PER_PAGE)) };
}
