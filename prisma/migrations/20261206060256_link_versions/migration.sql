-- AlterTable
ALTER TABLE "ActionProgress" ADD COLUMN     "linkVersion" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Approval" ADD COLUMN     "linkVersion" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "linkVersion" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "PackLink" ADD COLUMN     "linkVersion" INTEGER NOT NULL DEFAULT 0,
ALTER COLUMN "tokenHash" DROP NOT NULL;
