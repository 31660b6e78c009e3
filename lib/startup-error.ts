// Start-up failures we can explain get one line with what to do; anything else gets its stack.
import { EnvError } from "@/lib/env";
import { MigrationError } from "@/lib/db/migrate";
import { DatabaseUnreachableError } from "@/lib/db/check";
import { EmbeddedPostgresError } from "@/lib/db/embedded";

export function explainStartupError(prefix: string, err: unknown): void {
  if (err instanceof EnvError) console.error(`${prefix}: ${err.message}\nSee the environment table in README.md.`);
  else if (err instanceof MigrationError || err instanceof DatabaseUnreachableError || err instanceof EmbeddedPostgresError) console.error(`${prefix}: ${err.message}`);
  else if (err instanceof Error && /port \d+ on .* is in use/.test(err.message)) console.error(`${prefix}: ${err.message}`);
  else console.error(`${prefix}: unexpected error`, err);
}
