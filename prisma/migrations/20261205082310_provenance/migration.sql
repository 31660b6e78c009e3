-- CreateEnum
CREATE TYPE "provenance_check" AS ENUM ('verified', 'unsigned_allowed', 'before_signing', 'failed');

-- AlterTable
ALTER TABLE "targets" ADD COLUMN     "allow_unsigned" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
-- Every release recorded so far predates signing: it deploys (and rolls back) with a warning instead of
-- being refused. Added with the default true, so the rows that exist get it without an UPDATE (releases
-- refuse every UPDATE: 20261124200000_releases_immutable); then the default becomes false, and every release
-- recorded from now on is verified before every deployment.
ALTER TABLE "releases" ADD COLUMN     "recorded_before_signing" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "releases" ALTER COLUMN "recorded_before_signing" SET DEFAULT false;

-- AlterTable
ALTER TABLE "deployments" ADD COLUMN     "provenance_check" "provenance_check",
ADD COLUMN     "provenance_detail" TEXT;

-- CreateTable
CREATE TABLE "provenance_keys" (
    "id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "public_key_pem" TEXT NOT NULL,
    "private_key_encrypted" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "provenance_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "release_provenance" (
    "release_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "envelope" TEXT NOT NULL,
    "attestation_ref" TEXT NOT NULL,
    "attestation_digest" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "release_provenance_pkey" PRIMARY KEY ("release_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "provenance_keys_key_id_key" ON "provenance_keys"("key_id");

-- CreateIndex
CREATE INDEX "provenance_keys_retired_at_idx" ON "provenance_keys"("retired_at");

-- AddForeignKey
ALTER TABLE "release_provenance" ADD CONSTRAINT "release_provenance_release_id_fkey" FOREIGN KEY ("release_id") REFERENCES "releases"("id") ON DELETE CASCADE ON UPDATE CASCADE;
