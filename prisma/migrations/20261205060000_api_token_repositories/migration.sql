-- API tokens limited to some repositories (issue 15): empty = every repository.
-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN     "repository_ids" TEXT[] DEFAULT ARRAY[]::TEXT[];
