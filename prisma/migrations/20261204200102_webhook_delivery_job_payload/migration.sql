-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "job_payload" JSONB;

-- CreateIndex
CREATE INDEX "webhook_deliveries_undispatched_idx" ON "webhook_deliveries"("id") WHERE (job_payload IS NOT NULL);
