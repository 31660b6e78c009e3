// What backup and restore print: sizes, row counts, and the reminder about the secret key.
import path from "node:path";
import type { BackupHeader } from "@/lib/backup/format";

export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function tableRows(header: BackupHeader): Record<string, number> {
  return Object.fromEntries(header.tables.map((t) => [t.name, t.rows]));
}

/** The secrets in a backup are sealed with the secret key, which the backup does not hold: say where it is. */
export function secretKeyReminder(o: { keyFromEnv: boolean; dataDir: string; keyFileExists: boolean }): string {
  const where = o.keyFromEnv
    ? "the value of SLIPWAY_SECRET_KEY (set in this environment)"
    : o.keyFileExists
      ? `the file ${path.join(o.dataDir, "secret.key")}`
      : "the SLIPWAY_SECRET_KEY of the Slipway that uses this database (neither SLIPWAY_SECRET_KEY nor " + path.join(o.dataDir, "secret.key") + " is set here)";
  return (
    `The secret key is NOT in the backup. Its secrets (registry passwords, GitHub App keys, webhook secrets, Slack URLs, ` +
    `build secrets, the deployer key) are encrypted with ${where}: keep a copy of that key, apart from the backup. ` +
    `Without it a restore brings back everything but those secrets.`
  );
}
