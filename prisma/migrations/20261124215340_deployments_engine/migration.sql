-- AlterTable
ALTER TABLE "commits" ADD COLUMN     "pushed_by" TEXT;
