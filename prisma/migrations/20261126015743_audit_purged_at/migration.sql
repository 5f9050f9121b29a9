-- AlterTable
ALTER TABLE "Audit" ADD COLUMN     "purgedAt" TIMESTAMP(3);
