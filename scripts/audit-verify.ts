// npm run audit:verify — checks the audit log's hash chain and reports the first broken link.
import { parseEnv, databaseUrl, EnvError } from "@/lib/env";
import { verifyAuditChain } from "@/lib/audit/verify";
import { closeDb } from "@/lib/db";

async function main(): Promise<number> {
  process.env.DATABASE_URL = databaseUrl(parseEnv(process.env));
  const result = await verifyAuditChain();
  await closeDb();
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
    console.error(`audit:verify: ${err instanceof EnvError ? err.message : (err as Error).message}`);
    process.exit(1);
  },
);
