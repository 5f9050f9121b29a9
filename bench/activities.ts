// The activity of the engine variants in bench/workflows.ts: the same write, through the same Prisma
// client, as the audit's `recordInvitationOutcome` (a batch transaction of two updates), on rows that do
// not exist — the database's round trips without changing anything.
import type { Db } from '../infra/db';

export function benchActivities(db: Db) {
  return {
    async recordOutcome({ invitationId }: { invitationId: string }): Promise<void> {
      await db.$transaction([
        db.invitation.updateMany({ where: { id: invitationId }, data: { status: 'submitted' } }),
        db.submission.updateMany({ where: { invitationId }, data: { late: false } }),
      ]);
    },
  };
}

export type BenchActivities = ReturnType<typeof benchActivities>;
