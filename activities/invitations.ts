// Side effects of stages 2 and 3 — invitations and awaiting submissions.
import { ApplicationFailure } from '@temporalio/common';
import { isActiveInWindow, type ServiceLevel } from '../domain/cohort';
import type { Db } from '../infra/db';
import { FAILURE } from '../workflows/errors';
import type { InvitationStatus } from '../workflows/messages';

export function invitationActivities({ db }: { db: Db }) {
  return {
    /** Swaps a drawn case for an undrawn, eligible one from the same pool. */
    async replaceCase(input: {
      auditId: string;
      caseId: string;
      replacementCaseId: string;
    }): Promise<{ caseId: string; serviceLevel: ServiceLevel }> {
      return db.$transaction(async (tx) => {
        const audit = await tx.audit.findUniqueOrThrow({ where: { id: input.auditId } });
        const [drawn, replacement] = await Promise.all([
          tx.case.findFirst({ where: { id: input.caseId, auditId: input.auditId } }),
          tx.case.findFirst({ where: { id: input.replacementCaseId, auditId: input.auditId } }),
        ]);
        if (!drawn || !replacement)
          throw ApplicationFailure.nonRetryable('no such case in this audit', FAILURE.notFound);
        const window = { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() };
        if (
          replacement.selectedAt ||
          replacement.replacedAt ||
          !isActiveInWindow(replacement.lastActivityAt.toISOString(), window)
        ) {
          throw ApplicationFailure.nonRetryable(
            'the replacement must be an undrawn case active inside the review window',
            FAILURE.invalidReplacement,
          );
        }
        if (drawn.replacedAt) return { caseId: replacement.id, serviceLevel: replacement.serviceLevel }; // a retry
        const now = new Date();
        await tx.case.update({ where: { id: drawn.id }, data: { replacedAt: now } });
        await tx.case.update({ where: { id: replacement.id }, data: { selectedAt: now, drawOrder: drawn.drawOrder } });
        await tx.auditTrailEntry.create({
          data: {
            auditId: input.auditId,
            actor: 'system',
            action: 'cohort.case_replaced',
            details: { caseId: drawn.id, replacementCaseId: replacement.id },
          },
        });
        return { caseId: replacement.id, serviceLevel: replacement.serviceLevel };
      });
    },

    /** One invitation per drawn case × involved agency; a retry finds them made and makes no more. */
    async createInvitations(input: {
      auditId: string;
      dueAt: string;
    }): Promise<{ invitationId: string; caseId: string; agencyId: string }[]> {
      const cases = await db.case.findMany({
        where: { auditId: input.auditId, selectedAt: { not: null }, replacedAt: null },
        orderBy: { drawOrder: 'asc' },
        select: { id: true, agencyIds: true },
      });
      const wanted = cases.flatMap((c) =>
        c.agencyIds.map((agencyId) => ({
          auditId: input.auditId,
          caseId: c.id,
          agencyId,
          dueAt: new Date(input.dueAt),
        })),
      );
      await db.invitation.createMany({ data: wanted, skipDuplicates: true });
      const made = await db.invitation.findMany({
        where: { auditId: input.auditId },
        select: { id: true, caseId: true, agencyId: true },
      });
      const order = new Map(wanted.map((w, i) => [`${w.caseId}/${w.agencyId}`, i]));
      return made
        .sort((a, b) => order.get(`${a.caseId}/${a.agencyId}`)! - order.get(`${b.caseId}/${b.agencyId}`)!)
        .map((i) => ({ invitationId: i.id, caseId: i.caseId, agencyId: i.agencyId }));
    },

    async recordDeadlines(input: { invitationIds: string[]; dueAt: string }): Promise<void> {
      await db.invitation.updateMany({
        where: { id: { in: input.invitationIds } },
        data: { dueAt: new Date(input.dueAt) },
      });
    },

    async recordInvitationOutcome(input: {
      invitationId: string;
      status: InvitationStatus;
      late: boolean;
    }): Promise<void> {
      await db.$transaction([
        db.invitation.update({ where: { id: input.invitationId }, data: { status: input.status } }),
        db.submission.updateMany({ where: { invitationId: input.invitationId }, data: { late: input.late } }),
      ]);
    },
  };
}
