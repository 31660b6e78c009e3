-- AlterTable
ALTER TABLE "deployments" ADD COLUMN     "pin_before_at" TIMESTAMPTZ(3),
ADD COLUMN     "pin_before_by_id" TEXT,
ADD COLUMN     "pin_before_release_id" TEXT,
ADD COLUMN     "retry_at" TIMESTAMPTZ(3),
ADD COLUMN     "retry_until" TIMESTAMPTZ(3),
ADD COLUMN     "retry_waiting_for" TEXT;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_pin_before_release_id_fkey" FOREIGN KEY ("pin_before_release_id") REFERENCES "releases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_pin_before_by_id_fkey" FOREIGN KEY ("pin_before_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
