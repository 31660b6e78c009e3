// npm run backup [-- --out FILE]: a consistent backup of Slipway's database (lib/backup/dump.ts), found as every
// command finds it (lib/db/find-database.ts): DATABASE_URL, or the data directory's embedded PostgreSQL (the
// running Slipway's, or started for the backup and stopped after). No program is run: the rows come through
// the database connection, so no pg_dump of the server's major version is needed.
import { existsSync } from "node:fs";
import path from "node:path";
import { parseEnv, EnvError } from "@/lib/env";
import { dataDirOf, findDatabase } from "@/lib/db/find-database";
import { EmbeddedPostgresError } from "@/lib/db/embedded";
import { checkDatabase, DatabaseUnreachableError } from "@/lib/db/check";
import { BackupError, defaultBackupName, writeBackup } from "@/lib/backup/dump";
import { describeSize, secretKeyReminder, tableRows } from "@/lib/backup/report";

const USAGE = "usage: npm run backup [-- --out FILE]   (default: backups/slipway-backup-<UTC time>.gz in the data directory)";

class UsageError extends Error {}

function parseArgs(argv: string[]): { out?: string } {
  const out: { out?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out" && argv[i + 1] !== undefined) out.out = argv[++i];
    else if (a.startsWith("--out=")) out.out = a.slice("--out=".length);
    else if (a === "--help" || a === "-h") throw new UsageError("");
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (out.out === "") throw new UsageError("--out needs a file name");
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const keyFromEnv = Boolean(process.env.SLIPWAY_SECRET_KEY);
  const e = parseEnv(process.env);
  const dataDir = dataDirOf(e);
  // INIT_CWD: the directory `npm run` was started in (npm runs scripts in the package's root)
  const file = args.out ? path.resolve(process.env.INIT_CWD ?? process.cwd(), args.out) : path.join(dataDir, "backups", defaultBackupName());
  if (existsSync(file)) throw new BackupError(`${file} already exists; backup never overwrites a file: choose another name with --out, or move it away`);

  const db = await findDatabase(e, "borrow", (line) => console.error(line));
  let result;
  try {
    await checkDatabase(db.url);
    result = await writeBackup(db.url, file);
  } finally {
    await db.close();
  }
  const rows = tableRows(result.header);
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  console.log(`database: ${db.where}`);
  console.log(`wrote ${result.file} (${describeSize(result.bytes)}, mode 0600)`);
  console.log(
    `  builds: ${rows.builds ?? 0}, deployments: ${rows.deployments ?? 0}, audit events: ${rows.audit_events ?? 0} ` +
      `(${total} rows in ${result.header.tables.length} tables, one snapshot at ${result.header.createdAt})`,
  );
  console.log(`  schema: ${result.header.migrations.length} migrations, the last ${result.header.migrations.at(-1)!.name}; Slipway ${result.header.slipwayVersion}`);
  console.log(secretKeyReminder({ keyFromEnv, dataDir, keyFileExists: existsSync(path.join(dataDir, "secret.key")) }));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(err.message ? `backup: ${err.message}\n${USAGE}` : USAGE);
      process.exit(err.message ? 64 : 0);
    }
    const known = err instanceof EnvError || err instanceof EmbeddedPostgresError || err instanceof DatabaseUnreachableError || err instanceof BackupError;
    console.error(`backup: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
