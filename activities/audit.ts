// Side effects every stage shares.
import { ApplicationFailure } from '@temporalio/common';
import { notificationKey } from '../domain/notifications';
import { type Stage, TERMINAL_STAGES as TERMINAL } from '../domain/stages';
import type { Db } from '../infra/db';
import type { Prisma } from '../prisma/generated/client';
import { FAILURE } from '../workflows/errors';

export function auditActivities({ db }: { db: Db }) {
  const stageEntered = (tx: Prisma.TransactionClient, auditId: string, stage: Stage) =>
    tx.auditTrailEntry.create({ data: { auditId, actor: 'system', action: 'stage.entered', details: { stage } } });

  return {
    /**
     * The database's copy of the stage: lists, dashboards and retention read it without asking Temporal.
     * Never out of a terminal stage: a late write (an old attempt of an activity) cannot resurrect an audit.
     */
    async recordStage(input: { auditId: string; stage: Stage }): Promise<void> {
      await db.$transaction(async (tx) => {
        const { count } = await tx.audit.updateMany({
          where: { id: input.auditId, stage: { notIn: [...TERMINAL, input.stage] } },
          data: { stage: input.stage },
        });
        if (count === 1) await stageEntered(tx, input.auditId, input.stage);
        else if (!(await tx.audit.findUnique({ where: { id: input.auditId }, select: { id: true } })))
          throw ApplicationFailure.nonRetryable(`audit ${input.auditId} not found`, FAILURE.notFound);
      });
    },

    /**
     * A cancel taken: the audit and its open actions say `cancelled` for good. Returns the agencies that were
     * asked for something (an invitation or an approval request that went), to be told nothing more is needed.
     */
    async closeCancelledAudit(input: { auditId: string }): Promise<{ agencyIds: string[] }> {
      const { auditId } = input;
      const audit = await db.audit.findUnique({
        where: { id: auditId },
        select: {
          invitations: { select: { id: true, agencyId: true } },
          reportVersions: { select: { approvals: { select: { id: true, agencyId: true } } } },
        },
      });
      if (!audit) throw ApplicationFailure.nonRetryable(`audit ${auditId} not found`, FAILURE.notFound);
      await db.$transaction(async (tx) => {
        const { count } = await tx.audit.updateMany({
          where: { id: auditId, stage: { notIn: TERMINAL } },
          data: { stage: 'cancelled' },
        });
        if (count === 1) await stageEntered(tx, auditId, 'cancelled');
        await tx.action.updateMany({ where: { auditId, status: 'open' }, data: { status: 'cancelled' } });
      });
      const asked = [
        ...audit.invitations.map((i) => ({
          agencyId: i.agencyId,
          key: notificationKey(auditId, { purpose: 'invitation', invitationId: i.id }),
        })),
        ...audit.reportVersions.flatMap((v) =>
          v.approvals.map((a) => ({
            agencyId: a.agencyId,
            key: notificationKey(auditId, { purpose: 'approval_request', approvalId: a.id, n: 0 }),
          })),
        ),
      ];
      // Only what may have reached them: an email that never went asked nothing of anyone.
      const went = await db.emailOutbox.findMany({
        where: { key: { in: asked.map((a) => a.key) }, status: { in: ['sent', 'unconfirmed'] } },
        select: { key: true },
      });
      const keys = new Set(went.map((w) => w.key));
      return { agencyIds: [...new Set(asked.filter((a) => keys.has(a.key)).map((a) => a.agencyId))].sort() };
    },
  };
}
