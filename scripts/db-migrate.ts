// npm run db:migrate [-- --status | --resolve-rolled-back NAME | --resolve-applied NAME]
// The database is found as every command finds it (lib/db/find-database.ts).
import { parseEnv, EnvError } from "@/lib/env";
import { prepareDatabase } from "@/lib/db/prepare";
import { findDatabase } from "@/lib/db/find-database";
import { EmbeddedPostgresError } from "@/lib/db/embedded";
import { migrationStatus, resolveApplied, resolveRolledBack, MigrationError } from "@/lib/db/migrate";

async function main() {
  const db = await findDatabase(parseEnv(process.env), "borrow");
  try {
    await migrateCommand(db.url, process.argv.slice(2));
  } finally {
    await db.close();
  }
}

async function migrateCommand(url: string, [flag, name]: string[]) {
  if (flag === "--status") {
    for (const m of await migrationStatus(url)) console.log(`${m.state.padEnd(12)} ${m.name}`);
    return;
  }
  if (flag === "--resolve-rolled-back" || flag === "--resolve-applied") {
    if (!name) throw new MigrationError(`${flag} needs the migration's folder name, e.g. 20261124000000_init`);
    if (flag === "--resolve-rolled-back") await resolveRolledBack(url, name);
    else await resolveApplied(url, name);
    console.log(`${name} marked ${flag === "--resolve-applied" ? "applied" : "rolled back"}`);
    return;
  }
  if (flag) throw new MigrationError(`unknown option ${flag}; use --status, --resolve-rolled-back NAME or --resolve-applied NAME`);
  const result = await prepareDatabase(url, (m) => console.log(m));
  console.log(result.applied.length ? `applied ${result.applied.length} migration(s)` : "database is up to date");
}

main().catch((err: unknown) => {
  if (err instanceof EnvError || err instanceof MigrationError || err instanceof EmbeddedPostgresError) console.error(`db:migrate: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
