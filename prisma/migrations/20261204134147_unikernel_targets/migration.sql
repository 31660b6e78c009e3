-- CreateEnum
CREATE TYPE "restart_method" AS ENUM ('systemd', 'albatross', 'command');

-- AlterEnum
ALTER TYPE "target_kind" ADD VALUE 'artifact_repository';

-- AlterTable
ALTER TABLE "build_rules" ADD COLUMN     "max_artifact_mib" INTEGER NOT NULL DEFAULT 256;

-- AlterTable
ALTER TABLE "targets" ADD COLUMN     "artifact_repo_branch" TEXT,
ADD COLUMN     "artifact_repo_path" TEXT,
ADD COLUMN     "boot_args" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "keep_artifacts" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "memory_mib" INTEGER,
ADD COLUMN     "networks" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "restart_argv" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "restart_method" "restart_method",
ADD COLUMN     "restart_unit" TEXT,
ADD COLUMN     "unikernel_dir" TEXT;

-- AlterTable
ALTER TABLE "releases" ADD COLUMN     "artifact_size" BIGINT,
ADD COLUMN     "artifact_target" "unikernel_target";
