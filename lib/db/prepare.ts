// Brings a database up to date at start-up: Slipway's migrations, then graphile-worker's own schema.
// Safe to run from every process at once (both steps take advisory locks).
import { runMigrations } from "graphile-worker";
import { migrate, MigrationError, redactUrl, type MigrateResult } from "@/lib/db/migrate";

export async function prepareDatabase(connectionString: string, log: (msg: string) => void = () => undefined): Promise<MigrateResult> {
  const result = await migrate(connectionString, { log });
  try {
    await runMigrations({ connectionString, logger: undefined });
  } catch (err) {
    throw new MigrationError(`the job queue schema (graphile_worker) could not be migrated on ${redactUrl(connectionString)}: ${(err as Error).message}`);
  }
  return result;
}
