-- A target's monitor window becomes optional: null means "as long as the swarm itself watches" (the service's
-- UpdateConfig.Monitor, read at deploy time; 5 s when it sets none) for swarm services, and 10 s as before for
-- compose services and unikernels. New targets saved without a window get null.
-- Existing rows keep the value they have, the old default 10 included: whether a 10 was chosen or left as the
-- default cannot be told from the row, so nothing is changed behind the user's back. Clearing the field on a
-- target (or leaving `monitor` out of slipway.yml and importing it) opts an existing target into the new default.
-- AlterTable
ALTER TABLE "targets" ALTER COLUMN "monitor_seconds" DROP NOT NULL,
ALTER COLUMN "monitor_seconds" DROP DEFAULT;
