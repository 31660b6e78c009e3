-- AlterEnum
ALTER TYPE "deployment_trigger" ADD VALUE 'promotion';

-- AlterTable
ALTER TABLE "targets" ADD COLUMN     "environment_id" TEXT;

-- CreateTable
CREATE TABLE "environments" (
    "id" TEXT NOT NULL,
    "deployment_rule_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "soak_seconds" INTEGER NOT NULL DEFAULT 0,
    "check_urls" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "approval_mode" "approval_mode" NOT NULL DEFAULT 'automatic',
    "min_approvers" INTEGER NOT NULL DEFAULT 1,
    "approver_role" "role" NOT NULL DEFAULT 'operator',
    "approval_expiry_seconds" INTEGER,
    "confirm_level" "confirm_level" NOT NULL DEFAULT 'average',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "environments_deployment_rule_id_name_key" ON "environments"("deployment_rule_id", "name");

-- CreateIndex
CREATE INDEX "targets_environment_id_idx" ON "targets"("environment_id");

-- AddForeignKey
ALTER TABLE "environments" ADD CONSTRAINT "environments_deployment_rule_id_fkey" FOREIGN KEY ("deployment_rule_id") REFERENCES "deployment_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE SET NULL ON UPDATE CASCADE;
