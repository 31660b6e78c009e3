// npm run restore -- FILE [--force]: puts a backup written by `npm run backup` into the database found as every
// command finds it (lib/db/find-database.ts), then checks the audit chain and records the restore in it.
// The file is checked whole before the database is touched; the rows go in as one transaction
// (lib/backup/restore.ts). The restore's audit event is written after the chain verified, so it extends an
// intact chain.
import path from "node:path";
import { parseEnv, EnvError } from "@/lib/env";
import { findDatabase } from "@/lib/db/find-database";
import { EmbeddedPostgresError } from "@/lib/db/embedded";
import { checkDatabase, DatabaseUnreachableError } from "@/lib/db/check";
import { MigrationError } from "@/lib/db/migrate";
import { closeDb, getDb } from "@/lib/db";
import { verifyAuditChain } from "@/lib/audit/verify";
import { recordAudit } from "@/lib/audit/record";
import { systemActor } from "@/lib/auth/actor";
import { BackupFileError } from "@/lib/backup/format";
import { checkBackupFile, restoreBackup, RestoreRefusedError } from "@/lib/backup/restore";
import { checkSecretKey, describeSecretKeyCheck } from "@/lib/backup/secret-check";

const USAGE = "usage: npm run restore -- FILE [--force]   (--force drops Slipway's tables in a database that holds data first)";

class UsageError extends Error {}

function parseArgs(argv: string[]): { file: string; force: boolean } {
  let file: string | undefined;
  let force = false;
  for (const a of argv) {
    if (a === "--force") force = true;
    else if (a === "--help" || a === "-h") throw new UsageError("");
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else throw new UsageError(`one file only (got ${file} and ${a})`);
  }
  if (!file) throw new UsageError("name the backup file");
  // INIT_CWD: the directory `npm run` was started in (npm runs scripts in the package's root)
  return { file: path.resolve(process.env.INIT_CWD ?? process.cwd(), file), force };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // the file first: a foreign or truncated one is refused before any database is started or touched
  const header = await checkBackupFile(args.file);
  console.log(`${args.file}: a complete Slipway backup of ${header.createdAt} (Slipway ${header.slipwayVersion}, ${header.migrations.length} migrations)`);

  const db = await findDatabase(parseEnv(process.env), "borrow", (line) => console.error(line));
  try {
    await checkDatabase(db.url);
    console.log(`database: ${db.where}`);
    const result = await restoreBackup(db.url, args.file, { header, force: args.force, log: (line) => console.log(`  ${line}`) });
    for (const w of result.warnings) console.warn(`warning: ${w}`);
    if (result.upgraded.length) console.log(`upgraded the restored data with ${result.upgraded.length} newer migration(s): ${result.upgraded.join(", ")}`);

    process.env.DATABASE_URL = db.url;
    const chain = await verifyAuditChain();
    const prisma = getDb();
    const [builds, deployments, events] = await Promise.all([prisma.build.count(), prisma.deployment.count(), prisma.auditEvent.count()]);
    const counts = { builds, deployments, auditEvents: events };
    console.log(`restored: builds: ${builds}, deployments: ${deployments}, audit events: ${events}`);
    if (!chain.ok) {
      console.error(
        `the restored audit log is BROKEN at event ${chain.firstBroken!.id}: ${chain.firstBroken!.reason}. ` +
          "The rows are restored, but no restore event was recorded; the backup was made from a database whose audit log had been altered.",
      );
      return 2;
    }
    console.log(`audit log intact: ${chain.checked} event(s), every link verified`);
    await prisma.$transaction((tx) =>
      recordAudit(tx, {
        actor: systemActor("npm run restore"),
        action: "database.restored",
        subjectType: "system",
        summary: `database restored from ${path.basename(args.file)} (backup of ${header.createdAt})`,
        after: {
          file: path.basename(args.file),
          backupCreatedAt: header.createdAt,
          backupSlipwayVersion: header.slipwayVersion,
          droppedFirst: result.dropped,
          upgradedWith: result.upgraded,
          ...counts,
        },
      }),
    );
    console.log("recorded the restore in the audit log");
    const key = await checkSecretKey();
    (key === "readable" || key === "no secrets" ? console.log : console.warn)(describeSecretKeyCheck(key));
    return 0;
  } finally {
    await closeDb();
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(err.message ? `restore: ${err.message}\n${USAGE}` : USAGE);
      process.exit(err.message ? 64 : 0);
    }
    const known =
      err instanceof EnvError ||
      err instanceof EmbeddedPostgresError ||
      err instanceof DatabaseUnreachableError ||
      err instanceof BackupFileError ||
      err instanceof RestoreRefusedError ||
      err instanceof MigrationError;
    console.error(`restore: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
