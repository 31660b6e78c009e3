-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "log_truncated" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "deployments" ADD COLUMN     "log_truncated" BOOLEAN NOT NULL DEFAULT false;

-- Live logs: a viewer following a build's or deployment's log waits on NOTIFY slipway_log (one LISTEN
-- connection per web process, lib/db/log-listener.ts). The log store notifies with each chunk it appends;
-- these triggers notify when the state changes, whoever changes it (runner, reaper, a cancel from the
-- console), so a viewer sees the end of a build at once instead of on its slow fallback poll. NOTIFY is
-- delivered at commit, so a viewer never wakes before the row it is told about is visible.
CREATE FUNCTION "notify_log_state"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slipway_log', TG_ARGV[0] || ':' || NEW.id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "builds_notify_log_state"
  AFTER UPDATE OF "state" ON "builds"
  FOR EACH ROW WHEN (OLD."state" IS DISTINCT FROM NEW."state")
  EXECUTE FUNCTION "notify_log_state"('build');

CREATE TRIGGER "deployments_notify_log_state"
  AFTER UPDATE OF "state" ON "deployments"
  FOR EACH ROW WHEN (OLD."state" IS DISTINCT FROM NEW."state")
  EXECUTE FUNCTION "notify_log_state"('deployment');
