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
      const closedAt = input.closedAt ? new Date(input.closedAt) : new Date();
      return (await closeActionRow(db, { actionId: input.actionId, closedAt })).toISOString();
    },
  };
}

/**
 * Closes the action's row at `closedAt`, once. The close command writes it as soon as the workflow answers
 * (so the next page shows it closed), the workflow's chore after; whichever comes second finds it done, and
 * only the first writes the trail's `action.closed`. `closedBy` is the person, known only to the command.
 * Returns the moment stored.
 */
export function closeActionRow(
  db: Db,
  { actionId, closedAt, closedBy }: { actionId: string; closedAt: Date; closedBy?: string },
): Promise<Date> {
  return db.$transaction(async (tx) => {
    // Conditional on the row still open: of two writers at once, the second waits for the first's row lock
    // and then finds nothing to update.
    const { count } = await tx.action.updateMany({
      where: { id: actionId, closedAt: null },
      data: { status: 'closed', closedAt },
    });
    if (closedBy) await tx.action.updateMany({ where: { id: actionId, closedBy: null }, data: { closedBy } });
    const action = await tx.action.findUniqueOrThrow({ where: { id: actionId } });
    if (count) {
      await tx.auditTrailEntry.create({
        data: {
          auditId: action.auditId,
          actor: 'system',
          action: 'action.closed',
          details: { actionId: action.id, number: action.number },
        },
      });
    }
    return action.closedAt!;
  });
}
