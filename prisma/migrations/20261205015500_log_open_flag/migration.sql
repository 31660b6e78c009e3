-- A log writer marks its log open while it writes (lib/build/log-store.ts): a live viewer of an ended build
-- or deployment keeps following until the runner has stored its last lines and closed the log, instead of
-- ending at the first look that finds the final state and no new chunk (the lines written with and after
-- the final state were then missed until a reload). A writer that died leaves it set; viewers stop waiting
-- for it 30 s after the run finished.
-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "log_open" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "deployments" ADD COLUMN     "log_open" BOOLEAN NOT NULL DEFAULT false;
