-- CreateEnum
CREATE TYPE "AgencyType" AS ENUM ('police', 'health', 'education', 'childrens_social_care', 'early_help', 'probation', 'youth_justice', 'housing', 'voluntary', 'other');

-- CreateEnum
CREATE TYPE "FocusSource" AS ENUM ('practice_review', 'business_plan_priority', 'practice_concern');

-- CreateEnum
CREATE TYPE "ServiceLevel" AS ENUM ('universal', 'early_help', 'child_in_need', 'child_protection', 'looked_after');

-- CreateEnum
CREATE TYPE "InvitationStatus" AS ENUM ('pending', 'submitted', 'no_involvement');

-- CreateTable
CREATE TABLE "Agency" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "AgencyType" NOT NULL,
    "contactEmail" TEXT NOT NULL,
    "leadEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Agency_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Audit" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "focus" TEXT NOT NULL,
    "focusSource" "FocusSource" NOT NULL,
    "windowFrom" TIMESTAMP(3) NOT NULL,
    "windowTo" TIMESTAMP(3) NOT NULL,
    "cohortSize" INTEGER NOT NULL,
    "timeline" JSONB,
    "discussionAt" TIMESTAMP(3),
    "discussionLocation" TEXT,
    "cohortSeed" TEXT,
    "cohortRationale" JSONB,
    "idempotencyKey" TEXT,
    "requestHash" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Audit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "caseRef" TEXT NOT NULL,
    "serviceLevel" "ServiceLevel" NOT NULL,
    "childName" TEXT,
    "childDob" DATE,
    "childLocalId" TEXT,
    "agencyIds" TEXT[],
    "lastActivityAt" TIMESTAMP(3) NOT NULL,
    "selectedAt" TIMESTAMP(3),
    "drawOrder" INTEGER,
    "replacedAt" TIMESTAMP(3),

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invitation" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "status" "InvitationStatus" NOT NULL DEFAULT 'pending',
    "dueAt" TIMESTAMP(3),
    "tokenHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Invitation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Submission" (
    "id" TEXT NOT NULL,
    "invitationId" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "late" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Submission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditTrailEntry" (
    "id" BIGSERIAL NOT NULL,
    "auditId" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "details" JSONB,

    CONSTRAINT "AuditTrailEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Agency_name_key" ON "Agency"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Audit_workflowId_key" ON "Audit"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "Audit_idempotencyKey_key" ON "Audit"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Case_auditId_selectedAt_idx" ON "Case"("auditId", "selectedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Case_auditId_caseRef_key" ON "Case"("auditId", "caseRef");

-- CreateIndex
CREATE UNIQUE INDEX "Invitation_tokenHash_key" ON "Invitation"("tokenHash");

-- CreateIndex
CREATE INDEX "Invitation_auditId_idx" ON "Invitation"("auditId");

-- CreateIndex
CREATE UNIQUE INDEX "Invitation_caseId_agencyId_key" ON "Invitation"("caseId", "agencyId");

-- CreateIndex
CREATE UNIQUE INDEX "Submission_invitationId_key" ON "Submission"("invitationId");

-- CreateIndex
CREATE INDEX "AuditTrailEntry_auditId_at_idx" ON "AuditTrailEntry"("auditId", "at");

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "Agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Submission" ADD CONSTRAINT "Submission_invitationId_fkey" FOREIGN KEY ("invitationId") REFERENCES "Invitation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditTrailEntry" ADD CONSTRAINT "AuditTrailEntry_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;
