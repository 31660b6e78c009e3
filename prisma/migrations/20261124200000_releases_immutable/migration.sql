-- A release is immutable: it names what was built and pushed, by digest, and deployments point at it.
-- The database refuses UPDATE on releases (a rebuild records a new release). Rows still go with their
-- deployment rule when an admin deletes it (ON DELETE CASCADE), which the inventory refuses while they
-- have history.

CREATE FUNCTION "releases_refuse_update"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'releases are immutable: UPDATE is not allowed'
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'A release names an image by digest. Rebuild to record a new release. Nothing was changed.';
END;
$$;

CREATE TRIGGER "releases_no_update"
  BEFORE UPDATE ON "releases"
  FOR EACH ROW EXECUTE FUNCTION "releases_refuse_update"();
