-- Outgoing webhooks (issue 15 part 6): webhook channels with app/repository filters and a signing secret; the delivery log.
-- CreateEnum
CREATE TYPE "notification_delivery_state" AS ENUM ('pending', 'delivered', 'failed');

-- AlterEnum
ALTER TYPE "notification_kind" ADD VALUE 'webhook';

-- AlterTable
ALTER TABLE "notification_channels" ADD COLUMN     "apps" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "repositories" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "signing_secret_id" TEXT;

-- CreateTable
CREATE TABLE "notification_deliveries" (
    "id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "envelope_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "state" "notification_delivery_state" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retry_step" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "dedupe_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "notification_deliveries_channel_id_created_at_id_idx" ON "notification_deliveries"("channel_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "notification_deliveries_channel_id_dedupe_key_key" ON "notification_deliveries"("channel_id", "dedupe_key");

-- AddForeignKey
ALTER TABLE "notification_channels" ADD CONSTRAINT "notification_channels_signing_secret_id_fkey" FOREIGN KEY ("signing_secret_id") REFERENCES "secrets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "notification_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
