-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "emailTo" TEXT,
ADD COLUMN     "linkVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reopenedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "RevokedLink" (
    "tokenHash" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RevokedLink_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "LinkSecret" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "fingerprint" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LinkSecret_pkey" PRIMARY KEY ("id")
);
