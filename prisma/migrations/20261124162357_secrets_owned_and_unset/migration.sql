-- AlterEnum
ALTER TYPE "secret_scope" ADD VALUE 'owned';

-- AlterTable
ALTER TABLE "secrets" ALTER COLUMN "sealed" DROP NOT NULL;
