-- AlterEnum
ALTER TYPE "EmailStatus" ADD VALUE 'resent';

-- AlterTable
ALTER TABLE "EmailOutbox" ADD COLUMN     "notification" JSONB,
ADD COLUMN     "resendOf" TEXT;

-- CreateIndex
CREATE INDEX "EmailOutbox_resendOf_idx" ON "EmailOutbox"("resendOf");
