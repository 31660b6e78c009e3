// npm run slipway -- COMMAND: Slipway's command line.
//   import FILE [--dry-run]   show what slipway.yml would change, then apply it in one transaction (audited)
//   export [FILE]             write the inventory as slipway.yml (to stdout without FILE)
// Finds the database as every command does (lib/db/find-database.ts): DATABASE_URL; without it, the quick
// start's embedded database in SLIPWAY_DATA_DIR (default .slipway), whether or not `npm start` is running.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnvError, parseEnv } from "@/lib/env";
import { EmbeddedPostgresError } from "@/lib/db/embedded";
import { findDatabase } from "@/lib/db/find-database";
import { ValidationError, CommandError } from "@/lib/errors";
import { describeChange } from "@/lib/config/describe-change";

const USAGE = `usage:
  npm run slipway -- import FILE [--dry-run]   show the changes slipway.yml makes, then apply them
  npm run slipway -- export [FILE]             write the inventory as slipway.yml (stdout without FILE)`;

class UsageError extends Error {}


async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  const db = await findDatabase(parseEnv(process.env), "borrow");
  process.env.DATABASE_URL = db.url;
  const { prepareDatabase } = await import("@/lib/db/prepare");
  const { closeDb } = await import("@/lib/db");
  try {
    await prepareDatabase(db.url);
    return await fn();
  } finally {
    await closeDb().catch(() => undefined);
    await db.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith("--")));
  const args = rest.filter((a) => !a.startsWith("--"));
  for (const f of flags) if (f !== "--dry-run" || command !== "import") throw new UsageError(`unknown option ${f}\n${USAGE}`);
  const actor = { type: "system" as const, label: `command line (${os.userInfo().username}@${os.hostname()})` };

  if (command === "import") {
    const file = args[0];
    if (!file || args.length > 1) throw new UsageError(USAGE);
    if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
    const text = readFileSync(file, "utf8");
    return withDatabase(async () => {
      const { previewImport, importInventory } = await import("@/lib/services/inventory/config");
      const plan = flags.has("--dry-run") ? await previewImport(actor, text) : await importInventory(actor, text, { source: path.basename(file) });
      const { create, update, delete: del } = plan.counts;
      if (plan.changes.length === 0) {
        console.log(`${file}: the inventory already matches; nothing to change`);
        return 0;
      }
      for (const c of plan.changes) console.log(describeChange(c));
      console.log(
        flags.has("--dry-run")
          ? `dry run: ${create} to create, ${update} to change, ${del} to delete; nothing was written (run again without --dry-run to apply)`
          : `applied: ${create} created, ${update} changed, ${del} deleted (one transaction, recorded in the audit log)`,
      );
      return 0;
    });
  }
  if (command === "export") {
    if (args.length > 1) throw new UsageError(USAGE);
    return withDatabase(async () => {
      const { exportInventory } = await import("@/lib/services/inventory/config");
      const yaml = await exportInventory(actor);
      if (args[0]) {
        writeFileSync(args[0], yaml);
        console.error(`wrote ${args[0]}`);
      } else process.stdout.write(yaml);
      return 0;
    });
  }
  throw new UsageError(command ? `unknown command ${command}\n${USAGE}` : USAGE);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ValidationError) {
      console.error(`slipway.yml is not valid; nothing was written:`);
      for (const i of err.issues) {
        const at = i.line && !i.path.startsWith("line ") ? ` (line ${i.line}, column ${i.column})` : "";
        console.error(`  ${i.path ? `${i.path}${at}: ` : ""}${i.message}`);
      }
      process.exit(1);
    }
    if (err instanceof UsageError || err instanceof EnvError || err instanceof CommandError || err instanceof EmbeddedPostgresError) {
      console.error(`slipway: ${err.message}`);
      process.exit(err instanceof UsageError ? 64 : 1);
    }
    console.error("slipway: unexpected error:", err);
    process.exit(1);
  },
);
