-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "webhook_delivery_status" ADD VALUE 'applied';
ALTER TYPE "webhook_delivery_status" ADD VALUE 'stale';

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_app_id_fkey";

-- DropIndex
DROP INDEX "webhook_deliveries_delivery_id_key";

-- AlterTable
ALTER TABLE "refs" ADD COLUMN     "last_event_seq" BIGINT;

-- Rows without an app were written before their signature was checked (unknown apps): nothing vouches for them.
DELETE FROM "webhook_deliveries" WHERE "app_id" IS NULL;

-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "after_sha" TEXT,
ADD COLUMN     "before_sha" TEXT,
ADD COLUMN     "forced" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "ref_kind" "ref_kind",
ADD COLUMN     "ref_name" TEXT,
ALTER COLUMN "app_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "webhook_deliveries_repository_id_ref_kind_ref_name_id_idx" ON "webhook_deliveries"("repository_id", "ref_kind", "ref_name", "id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_app_id_delivery_id_key" ON "webhook_deliveries"("app_id", "delivery_id");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "github_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;
