-- CreateEnum
CREATE TYPE "AuditStage" AS ENUM ('selection', 'invitations', 'awaiting_submissions', 'collation', 'discussion', 'report', 'practitioner_approval', 'lis_signoff', 'action_follow_up', 'completed', 'cancelled');

-- AlterTable
ALTER TABLE "Audit" ADD COLUMN     "stage" "AuditStage" NOT NULL DEFAULT 'selection';
