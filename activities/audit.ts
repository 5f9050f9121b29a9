// Side effects every stage shares.
import type { Stage } from '../domain/stages';
import type { Db } from '../infra/db';

export function auditActivities({ db }: { db: Db }) {
  return {
    /** The database's copy of the stage: lists, dashboards and retention read it without asking Temporal. */
    async recordStage(input: { auditId: string; stage: Stage }): Promise<void> {
      const audit = await db.audit.findUniqueOrThrow({ where: { id: input.auditId }, select: { stage: true } });
      if (audit.stage === input.stage) return;
      await db.$transaction([
        db.audit.update({ where: { id: input.auditId }, data: { stage: input.stage } }),
        db.auditTrailEntry.create({
          data: { auditId: input.auditId, actor: 'system', action: 'stage.entered', details: { stage: input.stage } },
        }),
      ]);
    },
  };
}
