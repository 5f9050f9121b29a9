// Side effects of stages 4 and 5 — collation and the discussion. The business unit's words (the place,
// the outcome's conclusions, actions and concerns) are in the database; these return IDs and instants.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../infra/db';
import { FAILURE } from '../workflows/errors';

/** The outcome as posted (PRODUCT.md "Interfaces"); validated by the API before it is stored. */
interface OutcomeContent {
  urgentActions?: { description: string; ownerAgencyId: string; dueAt: string }[];
  recommendations?: { description: string; ownerAgencyId: string; dueAt: string }[];
  concerns?: { caseRef: string; agencyId?: string; description: string }[];
}

export interface NewAction {
  actionId: string;
  number: number;
  ownerAgencyId: string;
  dueAt: string;
  /** `cancelled` when the audit was cancelled while its outcome was being taken. Absent before 0.2.0. */
  status?: 'open' | 'cancelled';
}

export function discussionActivities({ db }: { db: Db }) {
  /** Agencies invited for at least one drawn case and not recorded as having had no involvement. */
  async function participatingAgencies(auditId: string): Promise<string[]> {
    const rows = await db.invitation.findMany({
      where: { auditId, status: { not: 'no_involvement' } },
      distinct: ['agencyId'],
      orderBy: { agencyId: 'asc' },
      select: { agencyId: true },
    });
    return rows.map((r) => r.agencyId);
  }

  return {
    /** When the discussion is held, if the business unit has scheduled it (at the start, say). */
    async readDiscussion(input: { auditId: string }): Promise<{ discussionAt?: string }> {
      const audit = await db.audit.findUniqueOrThrow({ where: { id: input.auditId }, select: { discussionAt: true } });
      return audit.discussionAt ? { discussionAt: audit.discussionAt.toISOString() } : {};
    },

    /**
     * Marks the pack circulated (once), at the moment the workflow asked (the server's clock, which ends the
     * audit tools' links a grace later), and names the agencies it goes to.
     */
    async circulatePack(input: { auditId: string }): Promise<{ agencyIds: string[]; circulatedAt: string }> {
      const audit = await db.audit.findUniqueOrThrow({
        where: { id: input.auditId },
        select: { packCirculatedAt: true },
      });
      let circulatedAt = audit.packCirculatedAt;
      if (!circulatedAt) {
        circulatedAt = new Date(Context.current().info.scheduledTimestampMs);
        await db.$transaction([
          db.audit.update({ where: { id: input.auditId }, data: { packCirculatedAt: circulatedAt } }),
          db.auditTrailEntry.create({ data: { auditId: input.auditId, actor: 'system', action: 'pack.circulated' } }),
        ]);
      }
      return { agencyIds: await participatingAgencies(input.auditId), circulatedAt: circulatedAt.toISOString() };
    },

    /**
     * Takes the stored outcome: its urgent actions and recommendations become numbered Action rows, its
     * concerns Escalation rows (to the named agency, else the case's children's social care, else the
     * case's first agency). Once only: a retry returns what the first call made.
     */
    async acceptOutcome(input: {
      auditId: string;
    }): Promise<{ actions: NewAction[]; escalationIds: string[]; acceptedAt: string }> {
      return db.$transaction(async (tx) => {
        const outcome = await tx.outcome.findUnique({ where: { auditId: input.auditId } });
        if (!outcome) throw ApplicationFailure.nonRetryable(`no outcome stored for ${input.auditId}`, FAILURE.notFound);
        if (!outcome.acceptedAt) {
          const content = outcome.content as OutcomeContent;
          const items = [
            ...(content.urgentActions ?? []).map((a) => ({ ...a, kind: 'urgent_action' as const })),
            ...(content.recommendations ?? []).map((a) => ({ ...a, kind: 'recommendation' as const })),
          ];
          // A cancel that came while the outcome was being taken: its actions are never followed up.
          const audit = await tx.audit.findUnique({ where: { id: input.auditId }, select: { stage: true } });
          const status = audit?.stage === 'cancelled' ? ('cancelled' as const) : ('open' as const);
          await tx.action.createMany({
            data: items.map((a, i) => ({
              status,
              auditId: input.auditId,
              number: i + 1,
              kind: a.kind,
              description: a.description,
              ownerAgencyId: a.ownerAgencyId,
              dueAt: new Date(a.dueAt),
            })),
          });
          const cases = await tx.case.findMany({
            where: { auditId: input.auditId, caseRef: { in: (content.concerns ?? []).map((c) => c.caseRef) } },
            select: { id: true, caseRef: true, agencyIds: true },
          });
          const socialCare = await tx.agency.findMany({
            where: { type: 'childrens_social_care' },
            select: { id: true },
          });
          for (const concern of content.concerns ?? []) {
            const found = cases.find((c) => c.caseRef === concern.caseRef);
            const agencyId =
              concern.agencyId ??
              found?.agencyIds.find((id) => socialCare.some((a) => a.id === id)) ??
              found?.agencyIds[0];
            if (!agencyId) continue;
            await tx.escalation.create({
              data: {
                auditId: input.auditId,
                caseId: found?.id,
                agencyId,
                source: 'outcome',
                concern: concern.description,
              },
            });
          }
          await tx.outcome.update({ where: { auditId: input.auditId }, data: { acceptedAt: new Date() } });
          await tx.auditTrailEntry.create({
            data: {
              auditId: input.auditId,
              actor: 'system',
              action: 'outcome.accepted',
              details: { actions: items.length, concerns: (content.concerns ?? []).length },
            },
          });
        }
        const [accepted, actions, escalations] = await Promise.all([
          tx.outcome.findUniqueOrThrow({ where: { auditId: input.auditId }, select: { acceptedAt: true } }),
          tx.action.findMany({ where: { auditId: input.auditId }, orderBy: { number: 'asc' } }),
          tx.escalation.findMany({
            where: { auditId: input.auditId, source: 'outcome' },
            orderBy: { createdAt: 'asc' },
            select: { id: true },
          }),
        ]);
        return {
          actions: actions.map((a) => ({
            actionId: a.id,
            number: a.number,
            ownerAgencyId: a.ownerAgencyId,
            dueAt: a.dueAt.toISOString(),
            status: a.status === 'cancelled' ? ('cancelled' as const) : ('open' as const),
          })),
          escalationIds: escalations.map((e) => e.id),
          acceptedAt: accepted.acceptedAt!.toISOString(),
        };
      });
    },

    /** Every participating agency: the collated pack and the published briefing go to each. */
    async participatingAgencies(input: { auditId: string }): Promise<string[]> {
      return participatingAgencies(input.auditId);
    },
  };
}
