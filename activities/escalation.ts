// Side effects of the urgent escalation. The API stores the Escalation row — with the concern, and
// later the acknowledger's name and action taken — before the workflow hears of it; these keep the
// row's orchestration columns in step with the workflow, each safe to retry.
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../infra/db';
import { FAILURE } from '../workflows/errors';

export function escalationActivities({ db }: { db: Db }) {
  return {
    /** The IDs and instants the workflow needs; never the concern. */
    async openEscalation(input: { escalationId: string; auditId: string }) {
      const row = await db.escalation.findFirst({
        where: { id: input.escalationId, auditId: input.auditId },
        select: { agencyId: true, caseId: true, raisedAt: true },
      });
      if (!row)
        throw ApplicationFailure.nonRetryable(
          `no escalation ${input.escalationId} in audit ${input.auditId}`,
          FAILURE.notFound,
        );
      return {
        agencyId: row.agencyId,
        ...(row.caseId ? { caseId: row.caseId } : {}),
        raisedAt: row.raisedAt.toISOString(),
      };
    },

    /** Round 0 is the first email to the lead, round n ≥ 1 the n-th re-escalation. A retry changes nothing. */
    async recordEscalationRound(input: {
      escalationId: string;
      auditId: string;
      round: number;
      acknowledgeBy: string;
    }): Promise<void> {
      const { escalationId, auditId, round, acknowledgeBy } = input;
      await db.$transaction(async (tx) => {
        const { count } = await tx.escalation.updateMany({
          where: {
            id: escalationId,
            status: 'open',
            ...(round === 0 ? { acknowledgeBy: null } : { reEscalations: { lt: round } }),
          },
          data: { reEscalations: round, acknowledgeBy: new Date(acknowledgeBy) },
        });
        if (count === 1 && round > 0) {
          await tx.auditTrailEntry.create({
            data: {
              auditId,
              actor: 'system',
              action: 'escalation.re_escalated',
              details: { escalationId, n: round, acknowledgeBy },
            },
          });
        }
      });
    },

    /**
     * Closes the row. The acknowledger's name, action and moment were stored by the API before it told
     * the workflow; `acknowledgedAt` is kept when set. Returns the moment stored.
     */
    async recordEscalationAcknowledged(input: {
      escalationId: string;
      auditId: string;
      acknowledgedAt: string;
    }): Promise<string> {
      return db.$transaction(async (tx) => {
        const row = await tx.escalation.findUniqueOrThrow({
          where: { id: input.escalationId },
          select: { status: true, acknowledgedAt: true },
        });
        const acknowledgedAt = row.acknowledgedAt ?? new Date(input.acknowledgedAt);
        if (row.status === 'open') {
          await tx.escalation.update({
            where: { id: input.escalationId },
            data: { status: 'acknowledged', acknowledgedAt },
          });
          await tx.auditTrailEntry.create({
            data: {
              auditId: input.auditId,
              actor: 'system',
              action: 'escalation.closed',
              details: { escalationId: input.escalationId },
            },
          });
        }
        return acknowledgedAt.toISOString();
      });
    },
  };
}
