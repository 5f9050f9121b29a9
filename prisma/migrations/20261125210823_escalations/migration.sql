-- CreateEnum
CREATE TYPE "EscalationSource" AS ENUM ('outcome', 'submission', 'business_unit');

-- CreateEnum
CREATE TYPE "EscalationStatus" AS ENUM ('open', 'acknowledged');

-- CreateTable
CREATE TABLE "Escalation" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "caseId" TEXT,
    "agencyId" TEXT NOT NULL,
    "source" "EscalationSource" NOT NULL,
    "concern" TEXT NOT NULL,
    "status" "EscalationStatus" NOT NULL DEFAULT 'open',
    "raisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgeBy" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,
    "actionTaken" TEXT,
    "tokenHash" TEXT,
    "reEscalations" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Escalation_tokenHash_key" ON "Escalation"("tokenHash");

-- CreateIndex
CREATE INDEX "Escalation_auditId_status_idx" ON "Escalation"("auditId", "status");

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;
