// Side effects of stage 1 — selection.
import { ApplicationFailure } from '@temporalio/common';
import type { Candidate, CohortRationale } from '../domain/cohort';
import type { Db } from '../infra/db';
import { FAILURE } from '../workflows/errors';

export interface CandidatePool {
  candidates: Candidate[];
  cohortSize: number;
  window: { from: string; to: string };
}

export function selectionActivities({ db }: { db: Db }) {
  return {
    /** What the draw needs, without any child identifier or case reference. */
    async loadCandidatePool(auditId: string): Promise<CandidatePool> {
      const audit = await db.audit.findUnique({
        where: { id: auditId },
        select: {
          cohortSize: true,
          windowFrom: true,
          windowTo: true,
          cases: { select: { id: true, serviceLevel: true, lastActivityAt: true } },
        },
      });
      if (!audit) throw ApplicationFailure.nonRetryable(`audit ${auditId} not found`, FAILURE.notFound);
      return {
        cohortSize: audit.cohortSize,
        window: { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() },
        candidates: audit.cases.map((c) => ({
          caseId: c.id,
          serviceLevel: c.serviceLevel,
          lastActivityAt: c.lastActivityAt.toISOString(),
        })),
      };
    },

    /** Idempotent: a retry after a crash finds the seed already recorded and changes nothing. */
    async recordCohort(input: {
      auditId: string;
      seed: string;
      selectedCaseIds: string[];
      rationale: CohortRationale;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        const audit = await tx.audit.findUniqueOrThrow({ where: { id: input.auditId }, select: { cohortSeed: true } });
        if (audit.cohortSeed === input.seed) return;
        const now = new Date();
        await tx.audit.update({
          where: { id: input.auditId },
          data: { cohortSeed: input.seed, cohortRationale: { ...input.rationale } },
        });
        for (const [i, caseId] of input.selectedCaseIds.entries()) {
          await tx.case.update({ where: { id: caseId }, data: { selectedAt: now, drawOrder: i + 1 } });
        }
        await tx.auditTrailEntry.create({
          data: {
            auditId: input.auditId,
            actor: 'system',
            action: 'cohort.drawn',
            details: { seed: input.seed, drawn: input.selectedCaseIds.length, shortfall: input.rationale.shortfall },
          },
        });
      });
    },
  };
}
