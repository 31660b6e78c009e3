-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "role" AS ENUM ('viewer', 'operator', 'admin');

-- CreateEnum
CREATE TYPE "repository_provider" AS ENUM ('github', 'git');

-- CreateEnum
CREATE TYPE "build_kind" AS ENUM ('docker', 'unikernel');

-- CreateEnum
CREATE TYPE "unikernel_target" AS ENUM ('hvt', 'xen', 'spt', 'virtio', 'unix');

-- CreateEnum
CREATE TYPE "approval_mode" AS ENUM ('automatic', 'manual');

-- CreateEnum
CREATE TYPE "confirm_level" AS ENUM ('harmless', 'mostly_harmless', 'average', 'above_average', 'dangerous');

-- CreateEnum
CREATE TYPE "target_kind" AS ENUM ('swarm_service', 'compose_service', 'unikernel');

-- CreateEnum
CREATE TYPE "docker_context_role" AS ENUM ('build', 'swarm_manager', 'both');

-- CreateEnum
CREATE TYPE "secret_scope" AS ENUM ('global', 'app', 'repository');

-- CreateEnum
CREATE TYPE "ref_kind" AS ENUM ('branch', 'pull_request');

-- CreateEnum
CREATE TYPE "build_state" AS ENUM ('queued', 'fetching', 'building', 'pushing', 'succeeded', 'failed', 'cancelled', 'superseded');

-- CreateEnum
CREATE TYPE "build_trigger" AS ENUM ('webhook', 'poll', 'manual', 'rerun');

-- CreateEnum
CREATE TYPE "deployment_state" AS ENUM ('pending_approval', 'queued', 'deploying', 'verifying', 'succeeded', 'failed', 'rolled_back', 'cancelled', 'superseded');

-- CreateEnum
CREATE TYPE "deployment_trigger" AS ENUM ('release', 'rollback', 'manual', 'health_rollback');

-- CreateEnum
CREATE TYPE "approval_decision" AS ENUM ('approved', 'rejected');

-- CreateEnum
CREATE TYPE "notification_kind" AS ENUM ('slack');

-- CreateEnum
CREATE TYPE "actor_type" AS ENUM ('user', 'api_token', 'system', 'worker');

-- CreateEnum
CREATE TYPE "webhook_delivery_status" AS ENUM ('accepted', 'ignored', 'rejected');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "login" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "image" TEXT,
    "role" "role" NOT NULL DEFAULT 'viewer',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_account_id" TEXT NOT NULL,
    "scope" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "expires" TIMESTAMPTZ(3) NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "role" NOT NULL DEFAULT 'viewer',
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "github_apps" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "app_id" BIGINT,
    "slug" TEXT,
    "api_url" TEXT NOT NULL DEFAULT 'https://api.github.com',
    "web_url" TEXT NOT NULL DEFAULT 'https://github.com',
    "private_key_secret_id" TEXT,
    "webhook_secret_id" TEXT,
    "account_allowlist" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "github_apps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "repositories" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider" "repository_provider" NOT NULL,
    "app_id" TEXT,
    "url" TEXT NOT NULL,
    "github_id" BIGINT,
    "installation_id" BIGINT,
    "default_branch" TEXT NOT NULL DEFAULT 'main',
    "poll_interval_seconds" INTEGER NOT NULL DEFAULT 300,
    "last_polled_at" TIMESTAMPTZ(3),
    "last_poll_error" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "repositories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "build_rules" (
    "id" TEXT NOT NULL,
    "repository_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "build_kind" NOT NULL,
    "dockerfile" TEXT NOT NULL DEFAULT 'Dockerfile',
    "context_dir" TEXT NOT NULL DEFAULT '',
    "build_args" TEXT[],
    "build_secrets" TEXT[],
    "archs" TEXT[] DEFAULT ARRAY['amd64']::TEXT[],
    "include_git" BOOLEAN NOT NULL DEFAULT false,
    "timeout_seconds" INTEGER NOT NULL DEFAULT 3000,
    "unikernel_target" "unikernel_target",
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "build_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployment_rules" (
    "id" TEXT NOT NULL,
    "build_rule_id" TEXT NOT NULL,
    "branch" TEXT NOT NULL,
    "image" TEXT,
    "registry_id" TEXT,
    "approval_mode" "approval_mode" NOT NULL DEFAULT 'automatic',
    "min_approvers" INTEGER NOT NULL DEFAULT 1,
    "approver_role" "role" NOT NULL DEFAULT 'operator',
    "approval_expiry_seconds" INTEGER,
    "confirm_level" "confirm_level" NOT NULL DEFAULT 'average',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deployment_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "targets" (
    "id" TEXT NOT NULL,
    "deployment_rule_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "target_kind" NOT NULL,
    "docker_context_id" TEXT,
    "host_id" TEXT,
    "service" TEXT NOT NULL,
    "compose_project" TEXT,
    "health_url" TEXT,
    "health_timeout_seconds" INTEGER NOT NULL DEFAULT 60,
    "converge_timeout_seconds" INTEGER NOT NULL DEFAULT 600,
    "monitor_seconds" INTEGER NOT NULL DEFAULT 10,
    "current_release_id" TEXT,
    "pinned_release_id" TEXT,
    "pinned_by_id" TEXT,
    "pinned_at" TIMESTAMPTZ(3),
    "live_image" TEXT,
    "live_checked_at" TIMESTAMPTZ(3),
    "drift_detected_at" TIMESTAMPTZ(3),
    "last_deployed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "targets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hosts" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "user" TEXT NOT NULL DEFAULT 'root',
    "last_checked_at" TIMESTAMPTZ(3),
    "last_check_result" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "host_keys" (
    "id" TEXT NOT NULL,
    "host_id" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "fingerprint_sha256" TEXT NOT NULL,
    "accepted_by_id" TEXT,
    "accepted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "host_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "docker_contexts" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "host_id" TEXT,
    "role" "docker_context_role" NOT NULL DEFAULT 'swarm_manager',
    "archs" TEXT[] DEFAULT ARRAY['amd64']::TEXT[],
    "max_concurrent_builds" INTEGER NOT NULL DEFAULT 2,
    "last_checked_at" TIMESTAMPTZ(3),
    "last_check_result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "docker_contexts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployer_keys" (
    "id" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "fingerprint_sha256" TEXT NOT NULL,
    "private_key_encrypted" BYTEA NOT NULL,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "deployer_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "registries" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "username" TEXT,
    "password_secret_id" TEXT,
    "last_checked_at" TIMESTAMPTZ(3),
    "last_check_result" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "registries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "secrets" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scope" "secret_scope" NOT NULL,
    "app_id" TEXT,
    "repository_id" TEXT,
    "scope_key" TEXT NOT NULL,
    "sealed" BYTEA NOT NULL,
    "updated_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_channels" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "notification_kind" NOT NULL DEFAULT 'slack',
    "url_secret_id" TEXT,
    "events" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "notification_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refs" (
    "id" TEXT NOT NULL,
    "repository_id" TEXT NOT NULL,
    "kind" "ref_kind" NOT NULL,
    "name" TEXT NOT NULL,
    "pr_number" INTEGER,
    "pr_title" TEXT,
    "pr_author" TEXT,
    "head_sha" TEXT NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "refs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "commits" (
    "id" TEXT NOT NULL,
    "repository_id" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "message" TEXT,
    "author" TEXT,
    "committed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "commits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "builds" (
    "id" TEXT NOT NULL,
    "build_rule_id" TEXT NOT NULL,
    "commit_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "state" "build_state" NOT NULL DEFAULT 'queued',
    "trigger" "build_trigger" NOT NULL,
    "triggered_by_id" TEXT,
    "docker_context_id" TEXT,
    "worker_id" TEXT,
    "timeout_seconds" INTEGER NOT NULL DEFAULT 3000,
    "reason" TEXT,
    "superseded_by_id" TEXT,
    "cancel_requested_at" TIMESTAMPTZ(3),
    "cancelled_by_id" TEXT,
    "image_id" TEXT,
    "check_run_id" BIGINT,
    "log_bytes" INTEGER NOT NULL DEFAULT 0,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "builds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "build_refs" (
    "build_id" TEXT NOT NULL,
    "ref_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "build_refs_pkey" PRIMARY KEY ("build_id","ref_id")
);

-- CreateTable
CREATE TABLE "build_log_chunks" (
    "id" BIGSERIAL NOT NULL,
    "build_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "length" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "build_log_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "releases" (
    "id" TEXT NOT NULL,
    "build_id" TEXT NOT NULL,
    "deployment_rule_id" TEXT NOT NULL,
    "image_repo" TEXT,
    "tag" TEXT,
    "digest" TEXT,
    "platform_digests" JSONB,
    "artifact_path" TEXT,
    "artifact_sha256" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "releases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployments" (
    "id" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "release_id" TEXT NOT NULL,
    "previous_release_id" TEXT,
    "state" "deployment_state" NOT NULL,
    "trigger" "deployment_trigger" NOT NULL DEFAULT 'release',
    "requested_by_id" TEXT,
    "approval_expires_at" TIMESTAMPTZ(3),
    "reason" TEXT,
    "superseded_by_id" TEXT,
    "cancelled_by_id" TEXT,
    "worker_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "service_version" BIGINT,
    "github_deployment_id" BIGINT,
    "log_bytes" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queued_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approvals" (
    "id" TEXT NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "decision" "approval_decision" NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployment_log_chunks" (
    "id" BIGSERIAL NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "length" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployment_log_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "actor_type" "actor_type" NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT,
    "summary" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,
    "user_agent" TEXT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "worker_heartbeats" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "tasks" TEXT[],
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "worker_heartbeats_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "app_id" TEXT,
    "repository_id" TEXT,
    "event" TEXT NOT NULL,
    "action" TEXT,
    "status" "webhook_delivery_status" NOT NULL,
    "reason" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_login_key" ON "users"("login");

-- CreateIndex
CREATE INDEX "users_role_idx" ON "users"("role");

-- CreateIndex
CREATE INDEX "accounts_user_id_idx" ON "accounts"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_provider_provider_account_id_key" ON "accounts"("provider", "provider_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_idx" ON "sessions"("expires");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_user_id_name_key" ON "api_tokens"("user_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "github_apps_name_key" ON "github_apps"("name");

-- CreateIndex
CREATE UNIQUE INDEX "repositories_name_key" ON "repositories"("name");

-- CreateIndex
CREATE INDEX "repositories_app_id_idx" ON "repositories"("app_id");

-- CreateIndex
CREATE INDEX "repositories_provider_last_polled_at_idx" ON "repositories"("provider", "last_polled_at");

-- CreateIndex
CREATE UNIQUE INDEX "build_rules_repository_id_name_key" ON "build_rules"("repository_id", "name");

-- CreateIndex
CREATE INDEX "deployment_rules_registry_id_idx" ON "deployment_rules"("registry_id");

-- CreateIndex
CREATE UNIQUE INDEX "deployment_rules_build_rule_id_branch_key" ON "deployment_rules"("build_rule_id", "branch");

-- CreateIndex
CREATE UNIQUE INDEX "targets_name_key" ON "targets"("name");

-- CreateIndex
CREATE INDEX "targets_deployment_rule_id_idx" ON "targets"("deployment_rule_id");

-- CreateIndex
CREATE INDEX "targets_docker_context_id_idx" ON "targets"("docker_context_id");

-- CreateIndex
CREATE INDEX "targets_host_id_idx" ON "targets"("host_id");

-- CreateIndex
CREATE UNIQUE INDEX "hosts_name_key" ON "hosts"("name");

-- CreateIndex
CREATE UNIQUE INDEX "host_keys_host_id_fingerprint_sha256_key" ON "host_keys"("host_id", "fingerprint_sha256");

-- CreateIndex
CREATE UNIQUE INDEX "docker_contexts_name_key" ON "docker_contexts"("name");

-- CreateIndex
CREATE INDEX "docker_contexts_host_id_idx" ON "docker_contexts"("host_id");

-- CreateIndex
CREATE INDEX "deployer_keys_retired_at_idx" ON "deployer_keys"("retired_at");

-- CreateIndex
CREATE UNIQUE INDEX "registries_name_key" ON "registries"("name");

-- CreateIndex
CREATE INDEX "secrets_app_id_idx" ON "secrets"("app_id");

-- CreateIndex
CREATE INDEX "secrets_repository_id_idx" ON "secrets"("repository_id");

-- CreateIndex
CREATE UNIQUE INDEX "secrets_scope_key_name_key" ON "secrets"("scope_key", "name");

-- CreateIndex
CREATE UNIQUE INDEX "notification_channels_name_key" ON "notification_channels"("name");

-- CreateIndex
CREATE INDEX "refs_repository_id_updated_at_idx" ON "refs"("repository_id", "updated_at");

-- CreateIndex
CREATE UNIQUE INDEX "refs_repository_id_kind_name_key" ON "refs"("repository_id", "kind", "name");

-- CreateIndex
CREATE UNIQUE INDEX "commits_repository_id_sha_key" ON "commits"("repository_id", "sha");

-- CreateIndex
CREATE INDEX "builds_state_queued_at_idx" ON "builds"("state", "queued_at");

-- CreateIndex
CREATE INDEX "builds_build_rule_id_queued_at_idx" ON "builds"("build_rule_id", "queued_at" DESC);

-- CreateIndex
CREATE INDEX "builds_commit_id_idx" ON "builds"("commit_id");

-- CreateIndex
CREATE INDEX "builds_queued_at_id_idx" ON "builds"("queued_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "builds_build_rule_id_commit_id_attempt_key" ON "builds"("build_rule_id", "commit_id", "attempt");

-- CreateIndex
CREATE INDEX "build_refs_ref_id_created_at_idx" ON "build_refs"("ref_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "build_log_chunks_build_id_seq_key" ON "build_log_chunks"("build_id", "seq");

-- CreateIndex
CREATE INDEX "releases_deployment_rule_id_created_at_idx" ON "releases"("deployment_rule_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "releases_build_id_deployment_rule_id_key" ON "releases"("build_id", "deployment_rule_id");

-- CreateIndex
CREATE INDEX "deployments_target_id_created_at_idx" ON "deployments"("target_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "deployments_state_created_at_idx" ON "deployments"("state", "created_at");

-- CreateIndex
CREATE INDEX "deployments_release_id_idx" ON "deployments"("release_id");

-- CreateIndex
CREATE INDEX "deployments_created_at_id_idx" ON "deployments"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "approvals_deployment_id_user_id_key" ON "approvals"("deployment_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "deployment_log_chunks_deployment_id_seq_key" ON "deployment_log_chunks"("deployment_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_hash_key" ON "audit_events"("hash");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at");

-- CreateIndex
CREATE INDEX "audit_events_actor_id_id_idx" ON "audit_events"("actor_id", "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_action_id_idx" ON "audit_events"("action", "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_subject_type_subject_id_id_idx" ON "audit_events"("subject_type", "subject_id", "id" DESC);

-- CreateIndex
CREATE INDEX "worker_heartbeats_last_seen_at_idx" ON "worker_heartbeats"("last_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_delivery_id_key" ON "webhook_deliveries"("delivery_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_received_at_idx" ON "webhook_deliveries"("received_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_repository_id_received_at_idx" ON "webhook_deliveries"("repository_id", "received_at");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "github_apps" ADD CONSTRAINT "github_apps_private_key_secret_id_fkey" FOREIGN KEY ("private_key_secret_id") REFERENCES "secrets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "github_apps" ADD CONSTRAINT "github_apps_webhook_secret_id_fkey" FOREIGN KEY ("webhook_secret_id") REFERENCES "secrets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repositories" ADD CONSTRAINT "repositories_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "github_apps"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_rules" ADD CONSTRAINT "build_rules_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_rules" ADD CONSTRAINT "deployment_rules_build_rule_id_fkey" FOREIGN KEY ("build_rule_id") REFERENCES "build_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_rules" ADD CONSTRAINT "deployment_rules_registry_id_fkey" FOREIGN KEY ("registry_id") REFERENCES "registries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_deployment_rule_id_fkey" FOREIGN KEY ("deployment_rule_id") REFERENCES "deployment_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_docker_context_id_fkey" FOREIGN KEY ("docker_context_id") REFERENCES "docker_contexts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_current_release_id_fkey" FOREIGN KEY ("current_release_id") REFERENCES "releases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_pinned_release_id_fkey" FOREIGN KEY ("pinned_release_id") REFERENCES "releases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_pinned_by_id_fkey" FOREIGN KEY ("pinned_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "host_keys" ADD CONSTRAINT "host_keys_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "host_keys" ADD CONSTRAINT "host_keys_accepted_by_id_fkey" FOREIGN KEY ("accepted_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "docker_contexts" ADD CONSTRAINT "docker_contexts_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployer_keys" ADD CONSTRAINT "deployer_keys_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "registries" ADD CONSTRAINT "registries_password_secret_id_fkey" FOREIGN KEY ("password_secret_id") REFERENCES "secrets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "github_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_channels" ADD CONSTRAINT "notification_channels_url_secret_id_fkey" FOREIGN KEY ("url_secret_id") REFERENCES "secrets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refs" ADD CONSTRAINT "refs_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "commits" ADD CONSTRAINT "commits_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_build_rule_id_fkey" FOREIGN KEY ("build_rule_id") REFERENCES "build_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_commit_id_fkey" FOREIGN KEY ("commit_id") REFERENCES "commits"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_triggered_by_id_fkey" FOREIGN KEY ("triggered_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_cancelled_by_id_fkey" FOREIGN KEY ("cancelled_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_docker_context_id_fkey" FOREIGN KEY ("docker_context_id") REFERENCES "docker_contexts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_superseded_by_id_fkey" FOREIGN KEY ("superseded_by_id") REFERENCES "builds"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_refs" ADD CONSTRAINT "build_refs_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_refs" ADD CONSTRAINT "build_refs_ref_id_fkey" FOREIGN KEY ("ref_id") REFERENCES "refs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_log_chunks" ADD CONSTRAINT "build_log_chunks_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "releases" ADD CONSTRAINT "releases_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "releases" ADD CONSTRAINT "releases_deployment_rule_id_fkey" FOREIGN KEY ("deployment_rule_id") REFERENCES "deployment_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_release_id_fkey" FOREIGN KEY ("release_id") REFERENCES "releases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_previous_release_id_fkey" FOREIGN KEY ("previous_release_id") REFERENCES "releases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_cancelled_by_id_fkey" FOREIGN KEY ("cancelled_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_superseded_by_id_fkey" FOREIGN KEY ("superseded_by_id") REFERENCES "deployments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_log_chunks" ADD CONSTRAINT "deployment_log_chunks_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "github_apps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE SET NULL ON UPDATE CASCADE;
