-- CreateEnum
CREATE TYPE "ApprovalDecision" AS ENUM ('approved', 'changes_requested');

-- CreateEnum
CREATE TYPE "LisDecisionKind" AS ENUM ('approved', 'returned');

-- CreateEnum
CREATE TYPE "ActionKind" AS ENUM ('urgent_action', 'recommendation');

-- CreateEnum
CREATE TYPE "ActionStatus" AS ENUM ('open', 'closed');

-- CreateEnum
CREATE TYPE "Rag" AS ENUM ('red', 'amber', 'green', 'complete');

-- AlterTable
ALTER TABLE "Audit" ADD COLUMN     "packCirculatedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "PackLink" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PackLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Outcome" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "recordedBy" TEXT NOT NULL,
    "acceptedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Outcome_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportVersion" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "content" JSONB NOT NULL,
    "submittedBy" TEXT NOT NULL,
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "circulatedAt" TIMESTAMP(3),

    CONSTRAINT "ReportVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Approval" (
    "id" TEXT NOT NULL,
    "reportVersionId" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "decision" "ApprovalDecision",
    "comments" TEXT,
    "decidedAt" TIMESTAMP(3),
    "supersededAt" TIMESTAMP(3),
    "tokenHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LisDecision" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "reportVersionId" TEXT NOT NULL,
    "decision" "LisDecisionKind" NOT NULL,
    "comments" TEXT,
    "decidedBy" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acceptedAt" TIMESTAMP(3),

    CONSTRAINT "LisDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Action" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "kind" "ActionKind" NOT NULL,
    "description" TEXT NOT NULL,
    "ownerAgencyId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" "ActionStatus" NOT NULL DEFAULT 'open',
    "rag" "Rag",
    "closedAt" TIMESTAMP(3),
    "closedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Action_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActionProgress" (
    "id" TEXT NOT NULL,
    "actionId" TEXT NOT NULL,
    "quarter" INTEGER NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tokenHash" TEXT,
    "status" "Rag",
    "update" TEXT,
    "impactEvidence" TEXT,
    "reportedAt" TIMESTAMP(3),

    CONSTRAINT "ActionProgress_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Briefing" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Briefing_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PackLink_tokenHash_key" ON "PackLink"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "PackLink_auditId_agencyId_key" ON "PackLink"("auditId", "agencyId");

-- CreateIndex
CREATE UNIQUE INDEX "Outcome_auditId_key" ON "Outcome"("auditId");

-- CreateIndex
CREATE UNIQUE INDEX "ReportVersion_auditId_version_key" ON "ReportVersion"("auditId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Approval_tokenHash_key" ON "Approval"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Approval_reportVersionId_agencyId_key" ON "Approval"("reportVersionId", "agencyId");

-- CreateIndex
CREATE UNIQUE INDEX "Action_auditId_number_key" ON "Action"("auditId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "ActionProgress_tokenHash_key" ON "ActionProgress"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "ActionProgress_actionId_quarter_key" ON "ActionProgress"("actionId", "quarter");

-- CreateIndex
CREATE UNIQUE INDEX "Briefing_auditId_key" ON "Briefing"("auditId");

-- CreateIndex
CREATE UNIQUE INDEX "Briefing_slug_key" ON "Briefing"("slug");

-- AddForeignKey
ALTER TABLE "PackLink" ADD CONSTRAINT "PackLink_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Outcome" ADD CONSTRAINT "Outcome_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportVersion" ADD CONSTRAINT "ReportVersion_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_reportVersionId_fkey" FOREIGN KEY ("reportVersionId") REFERENCES "ReportVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LisDecision" ADD CONSTRAINT "LisDecision_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LisDecision" ADD CONSTRAINT "LisDecision_reportVersionId_fkey" FOREIGN KEY ("reportVersionId") REFERENCES "ReportVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Action" ADD CONSTRAINT "Action_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActionProgress" ADD CONSTRAINT "ActionProgress_actionId_fkey" FOREIGN KEY ("actionId") REFERENCES "Action"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Briefing" ADD CONSTRAINT "Briefing_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;
