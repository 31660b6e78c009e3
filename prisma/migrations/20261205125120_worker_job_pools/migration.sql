-- AlterTable
ALTER TABLE "worker_heartbeats" ADD COLUMN     "job_pools" TEXT[] DEFAULT ARRAY[]::TEXT[];
