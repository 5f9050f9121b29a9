// Side effects of stage 9 — action follow-up. Progress and who closed an action are stored by the API;
// these create each quarter's request row and record the closure.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../infra/db';
import { FAILURE } from '../workflows/errors';
import type { ActionState, Rag } from '../workflows/messages';

export function followUpActivities({ db }: { db: Db }) {
  return {
    /** The IDs and dates the follow-up needs; never the description. */
    async openAction(input: { actionId: string }): Promise<{
      number: number;
      ownerAgencyId: string;
      dueAt: string;
      status: ActionState['status'];
      rag?: Rag;
    }> {
      const action = await db.action.findUnique({ where: { id: input.actionId } });
      if (!action) throw ApplicationFailure.nonRetryable(`no action ${input.actionId}`, FAILURE.notFound);
      return {
        number: action.number,
        ownerAgencyId: action.ownerAgencyId,
        dueAt: action.dueAt.toISOString(),
        status: action.status,
        ...(action.rag ? { rag: action.rag } : {}),
      };
    },

    /**
     * The quarter's request row, whose link the email carries; a retry finds it made. Requested when the
     * workflow's timer asked for it (the server's clock), which ends the previous quarter's link.
     */
    async requestProgress(input: { actionId: string; quarter: number }): Promise<void> {
      const requestedAt = new Date(Context.current().info.scheduledTimestampMs);
      await db.actionProgress.upsert({
        where: { actionId_quarter: { actionId: input.actionId, quarter: input.quarter } },
        create: { actionId: input.actionId, quarter: input.quarter, requestedAt },
        update: {},
      });
    },

    /** Closes the action's row at `closedAt`, the moment the workflow took the close (now, for runs before 0.3.0). */
    async recordActionClosed(input: { actionId: string; closedAt?: string }): Promise<string> {
      const action = await db.action.findUniqueOrThrow({ where: { id: input.actionId } });
      if (action.closedAt) return action.closedAt.toISOString();
      const closedAt = input.closedAt ? new Date(input.closedAt) : new Date();
      await db.$transaction([
        db.action.update({ where: { id: input.actionId }, data: { status: 'closed', closedAt } }),
        db.auditTrailEntry.create({
          data: {
            auditId: action.auditId,
            actor: 'system',
            action: 'action.closed',
            details: { actionId: action.id, number: action.number },
          },
        }),
      ]);
      return closedAt.toISOString();
    },
  };
}
