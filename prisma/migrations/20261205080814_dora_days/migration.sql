-- CreateTable
CREATE TABLE "dora_days" (
    "target_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "finished_at" DOUBLE PRECISION[],
    "ok" BOOLEAN[],
    "lead_seconds" DOUBLE PRECISION[],
    "incident" BOOLEAN[],
    "restore_seconds" DOUBLE PRECISION[],
    "restored_at" DOUBLE PRECISION[],

    CONSTRAINT "dora_days_pkey" PRIMARY KEY ("target_id","day")
);

-- CreateIndex
CREATE INDEX "dora_days_day_idx" ON "dora_days"("day");

-- AddForeignKey
ALTER TABLE "dora_days" ADD CONSTRAINT "dora_days_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Moves on with every change to dora_days' rows (never rolled back; a reader that sees it move recomputes):
-- lib/queries/dora.ts keeps a report for a minute unless this moved since.
CREATE SEQUENCE dora_days_version;

-- The DORA figures' facts (lib/queries/dora.ts reads them; schema.prisma's DoraDay says what each array holds).
-- dora_refresh recomputes the rows of one target (or of every target, p_target NULL) for the UTC days in
-- [p_from, p_to) from the deployments themselves: what counts is what lib/queries/dora.ts's header says.
CREATE FUNCTION dora_refresh(p_target text, p_from date, p_to date) RETURNS void LANGUAGE sql AS $$
  DELETE FROM dora_days WHERE (p_target IS NULL OR target_id = p_target) AND day >= p_from AND day < p_to;
  INSERT INTO dora_days (target_id, day, finished_at, ok, lead_seconds, incident, restore_seconds, restored_at)
  SELECT f.target_id, f.day,
         array_agg(EXTRACT(EPOCH FROM f.finished_at)::float8 ORDER BY f.finished_at, f.id),
         array_agg(f.ok ORDER BY f.finished_at, f.id),
         array_agg(f.lead_seconds ORDER BY f.finished_at, f.id),
         array_agg(f.incident ORDER BY f.finished_at, f.id),
         array_agg(EXTRACT(EPOCH FROM n.restored - f.finished_at)::float8 ORDER BY f.finished_at, f.id),
         array_agg(EXTRACT(EPOCH FROM n.restored)::float8 ORDER BY f.finished_at, f.id)
  FROM (
    SELECT d.id, d.target_id, (d.finished_at AT TIME ZONE 'UTC')::date AS day, d.finished_at, d.state = 'succeeded' AS ok,
           CASE WHEN d.state = 'succeeded' AND d.trigger IN ('release', 'manual')
                THEN GREATEST(0, EXTRACT(EPOCH FROM d.finished_at - COALESCE(c.committed_at, c.created_at)))::float8 END AS lead_seconds,
           d.state IN ('failed', 'rolled_back') AND NOT COALESCE((
             SELECT p.state IN ('failed', 'rolled_back') FROM deployments p
             WHERE p.target_id = d.target_id AND p.finished_at < d.finished_at AND p.state IN ('succeeded', 'failed', 'rolled_back')
             ORDER BY p.finished_at DESC LIMIT 1), false) AS incident
    FROM deployments d
    JOIN releases rl ON rl.id = d.release_id
    JOIN builds b ON b.id = rl.build_id
    JOIN commits c ON c.id = b.commit_id
    WHERE d.state IN ('succeeded', 'failed', 'rolled_back') AND d.finished_at IS NOT NULL
      AND (p_target IS NULL OR d.target_id = p_target)
      AND d.finished_at >= (p_from::timestamp AT TIME ZONE 'UTC') AND d.finished_at < (p_to::timestamp AT TIME ZONE 'UTC')
  ) f
  LEFT JOIN LATERAL (
    SELECT min(s.finished_at) AS restored FROM deployments s
    WHERE f.incident AND s.target_id = f.target_id AND s.finished_at > f.finished_at AND s.state = 'succeeded'
  ) n ON true
  GROUP BY f.target_id, f.day;
$$;

-- Every target, every day: after this migration's backfill, a restore that skipped the trigger, or a bulk load.
CREATE FUNCTION dora_rebuild() RETURNS void LANGUAGE sql AS $$
  SELECT dora_refresh(NULL, '-infinity'::date, 'infinity'::date);
  SELECT nextval('dora_days_version');
$$;

-- A deployment that finishes (or whose end changes) changes the facts of at most three days of its target:
-- its own; the next finished deployment's (whether that one starts an incident depends on this one); and the
-- day of the incident this one may restore or stop restoring (the first failure after the previous success).
-- Deployments on one target are recomputed one transaction at a time (an advisory lock per target). A session
-- that sets slipway.dora_off to 'on' (a restore, a bulk load) skips this and calls dora_rebuild() after.
CREATE FUNCTION dora_deployment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ends timestamptz[];
  e timestamptz;
  next_at timestamptz;
  prev_ok timestamptz;
  incident_at timestamptz;
  days date[] := '{}';
  d date;
BEGIN
  IF current_setting('slipway.dora_off', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND OLD.state = NEW.state AND OLD.finished_at IS NOT DISTINCT FROM NEW.finished_at THEN RETURN NULL; END IF;
  IF NEW.state IN ('succeeded', 'failed', 'rolled_back') AND NEW.finished_at IS NOT NULL THEN ends := ARRAY[NEW.finished_at]; ELSE ends := '{}'; END IF;
  IF TG_OP = 'UPDATE' AND OLD.state IN ('succeeded', 'failed', 'rolled_back') AND OLD.finished_at IS NOT NULL THEN ends := ends || OLD.finished_at; END IF;
  IF cardinality(ends) = 0 THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('slipway.dora_days:' || NEW.target_id, 0));
  FOREACH e IN ARRAY ends LOOP
    days := days || (e AT TIME ZONE 'UTC')::date;
    SELECT min(x.finished_at) INTO next_at FROM deployments x
      WHERE x.target_id = NEW.target_id AND x.finished_at > e AND x.state IN ('succeeded', 'failed', 'rolled_back');
    IF next_at IS NOT NULL THEN days := days || (next_at AT TIME ZONE 'UTC')::date; END IF;
    SELECT max(x.finished_at) INTO prev_ok FROM deployments x
      WHERE x.target_id = NEW.target_id AND x.finished_at < e AND x.state = 'succeeded';
    SELECT min(x.finished_at) INTO incident_at FROM deployments x
      WHERE x.target_id = NEW.target_id AND x.finished_at < e AND x.finished_at > COALESCE(prev_ok, '-infinity') AND x.state IN ('failed', 'rolled_back');
    IF incident_at IS NOT NULL THEN days := days || (incident_at AT TIME ZONE 'UTC')::date; END IF;
  END LOOP;
  FOR d IN SELECT DISTINCT unnest(days) LOOP
    PERFORM dora_refresh(NEW.target_id, d, d + 1);
  END LOOP;
  PERFORM nextval('dora_days_version');
  RETURN NULL;
END;
$$;

CREATE TRIGGER dora_days_refresh AFTER INSERT OR UPDATE OF state, finished_at ON deployments
  FOR EACH ROW EXECUTE FUNCTION dora_deployment_changed();

-- the deployments already finished
SELECT dora_rebuild();
