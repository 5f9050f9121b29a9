// Side effects every stage shares.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { notificationKey } from '../domain/notifications';
import { type Stage, TERMINAL_STAGES as TERMINAL } from '../domain/stages';
import type { Db } from '../infra/db';
import type { Prisma } from '../prisma/generated/client';
import { FAILURE } from '../workflows/errors';

export function auditActivities({ db }: { db: Db }) {
  /** The audit a workflow belongs to, from its ID (`audit-`, `action-`, `escalation-`), if its row is there. */
  async function auditOfWorkflow(workflowId: string): Promise<string | undefined> {
    const [kind, ...rest] = workflowId.split('-');
    const id = rest.join('-');
    const found =
      kind === 'audit'
        ? await db.audit.findFirst({ where: { workflowId }, select: { id: true } })
        : kind === 'action'
          ? await db.action.findUnique({ where: { id }, select: { id: true, auditId: true } })
          : kind === 'escalation'
            ? await db.escalation.findUnique({ where: { id }, select: { id: true, auditId: true } })
            : null;
    if (!found) return undefined;
    return 'auditId' in found ? String(found.auditId) : found.id;
  }

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
        where: { key: { in: asked.map((a) => a.key) }, status: { in: ['sent', 'unconfirmed', 'resent'] } },
        select: { key: true },
      });
      const keys = new Set(went.map((w) => w.key));
      return { agencyIds: [...new Set(asked.filter((a) => keys.has(a.key)).map((a) => a.agencyId))].sort() };
    },

    /**
     * A step the workflow `workflowId` could not do (workflows/steps.ts `steadily`), or did at last
     * (`resolved`): an entry in the audit's trail, which GET /api/audits/:id shows as its open problems.
     * IDs and the failure's own words only. Without an audit to file it under (its row is what is missing),
     * it is left to the worker's log.
     */
    async recordProblem(input: {
      workflowId: string;
      parentWorkflowId?: string;
      problemId: string;
      step: string;
      type?: string;
      message?: string;
      resolved?: boolean;
    }): Promise<void> {
      const auditId =
        (await auditOfWorkflow(input.workflowId)) ??
        (input.parentWorkflowId ? await auditOfWorkflow(input.parentWorkflowId) : undefined);
      const action = input.resolved ? 'step.recovered' : 'step.failed';
      const { workflowId, problemId, step, type, message } = input;
      if (!auditId) {
        log.warn('a step failed outside any audit', { workflowId, step, type });
        return;
      }
      await db.auditTrailEntry.create({
        data: {
          auditId,
          actor: 'system',
          action,
          details: { workflowId, problemId, step, ...(type && { type }), ...(message && { message }) },
        },
      });
    },
  };
}
