// npm run audit:verify — checks the audit log's hash chain and reports the first broken link.
// The database is found as every command finds it (lib/db/find-database.ts).
import { parseEnv, EnvError } from "@/lib/env";
import { findDatabase } from "@/lib/db/find-database";
import { EmbeddedPostgresError } from "@/lib/db/embedded";
import { verifyAuditChain } from "@/lib/audit/verify";
import { closeDb } from "@/lib/db";
import { checkDatabase, DatabaseUnreachableError } from "@/lib/db/check";

async function main(): Promise<number> {
  const db = await findDatabase(parseEnv(process.env), "borrow");
  process.env.DATABASE_URL = db.url;
  let result;
  try {
    await checkDatabase(db.url);
    result = await verifyAuditChain();
  } finally {
    await closeDb();
    await db.close();
  }
  console.log(`database: ${db.where}`);
  if (result.ok) {
    console.log(`audit log intact: ${result.checked} event(s), every link verified`);
    return 0;
  }
  console.error(
    `audit log BROKEN at event ${result.firstBroken!.id}: ${result.firstBroken!.reason}\n` +
      `${result.checked} event(s) before it verified. Restore the audit_events table from a backup and investigate who had database access.`,
  );
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit:verify: ${err instanceof EnvError || err instanceof EmbeddedPostgresError || err instanceof DatabaseUnreachableError ? err.message : (err as Error).message}`);
    process.exit(1);
  },
);
