-- CreateEnum
CREATE TYPE "preview_state" AS ENUM ('pending_approval', 'waiting', 'queued', 'deploying', 'running', 'failed', 'tearing_down', 'torn_down');

-- AlterTable
ALTER TABLE "deployment_rules" ADD COLUMN     "preview_context_id" TEXT,
ADD COLUMN     "preview_enabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "preview_labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "preview_max_concurrent" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "preview_network" TEXT,
ADD COLUMN     "preview_port" INTEGER,
ADD COLUMN     "preview_ttl_hours" INTEGER NOT NULL DEFAULT 72,
ADD COLUMN     "preview_url" TEXT;

-- AlterTable
ALTER TABLE "refs" ADD COLUMN     "pr_base" TEXT,
ADD COLUMN     "pr_fork" BOOLEAN;

-- CreateTable
CREATE TABLE "previews" (
    "id" TEXT NOT NULL,
    "deployment_rule_id" TEXT NOT NULL,
    "pr_number" INTEGER NOT NULL,
    "head_sha" TEXT NOT NULL,
    "build_id" TEXT,
    "image_repo" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "state" "preview_state" NOT NULL,
    "reason" TEXT,
    "url" TEXT,
    "fork" BOOLEAN NOT NULL DEFAULT false,
    "approved_by_id" TEXT,
    "approved_at" TIMESTAMPTZ(3),
    "comment_id" BIGINT,
    "deployed_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "torn_down_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "previews_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "previews_state_expires_at_idx" ON "previews"("state", "expires_at");

-- CreateIndex
CREATE INDEX "previews_build_id_idx" ON "previews"("build_id");

-- CreateIndex
CREATE INDEX "previews_approved_by_id_idx" ON "previews"("approved_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "previews_deployment_rule_id_pr_number_key" ON "previews"("deployment_rule_id", "pr_number");

-- CreateIndex
CREATE INDEX "deployment_rules_preview_context_id_idx" ON "deployment_rules"("preview_context_id");

-- AddForeignKey
ALTER TABLE "deployment_rules" ADD CONSTRAINT "deployment_rules_preview_context_id_fkey" FOREIGN KEY ("preview_context_id") REFERENCES "docker_contexts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "previews" ADD CONSTRAINT "previews_deployment_rule_id_fkey" FOREIGN KEY ("deployment_rule_id") REFERENCES "deployment_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "previews" ADD CONSTRAINT "previews_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "previews" ADD CONSTRAINT "previews_approved_by_id_fkey" FOREIGN KEY ("approved_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
