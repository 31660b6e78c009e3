-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "is_private" BOOLEAN,
ADD COLUMN     "private_badge" BOOLEAN NOT NULL DEFAULT false;
