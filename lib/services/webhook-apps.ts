// The GitHub apps as the webhook receiver needs them (id, account allowlist, the decrypted webhook secret),
// kept in memory so that a delivery costs one database round trip instead of three. A cached entry is never
// trusted on its own: the statement that records a delivery also checks the app's and its secret's row
// versions and records nothing when either changed (lib/services/webhooks.ts), and a refusal (no secret, a
// signature that does not match) is decided on a fresh read. So a secret rotated or an allowlist edited in
// any process applies to the very next delivery, as if nothing were cached.
import { getWebhookPool } from "@/lib/db";
import { unseal } from "@/lib/crypto/seal";
import { secretAad } from "@/lib/services/inventory/secret-values";

export interface WebhookApp {
  id: string;
  name: string;
  accountAllowlist: string[];
  /** the decrypted webhook secret; null when the app has none */
  secret: string | null;
  /**
   * The app's and its secret's row versions when they were read ("<xmin>:<xmin>"): PostgreSQL gives a row a
   * new xmin on every update, whoever makes it (the console, an import, another process).
   */
  version: string;
}

/** How long an entry is used before it is read again, so a removed app's secret does not stay in memory. */
const TTL_MS = 60_000;
/** Only apps that exist are kept (a miss is not cached): the map is as large as the inventory's apps. */
const cache = new Map<string, { app: WebhookApp; at: number }>();

/**
 * A query of the app `$1` that finds it only while it and its secret are as `$2` says (a WebhookApp's version):
 * the receiver's statements write only FROM it, so nothing is recorded on the strength of a stale entry.
 */
export const CURRENT_APP_SQL = `SELECT a.id FROM github_apps a JOIN secrets s ON s.id = a.webhook_secret_id
  WHERE a.id = $1 AND a.xmin::text || ':' || s.xmin::text = $2`;

async function read(name: string): Promise<WebhookApp | null> {
  const { rows } = await getWebhookPool().query<{
    id: string; name: string; account_allowlist: string[]; webhook_secret_id: string | null; sealed: Buffer | null; version: string;
  }>(
    `SELECT a.id, a.name, a.account_allowlist, a.webhook_secret_id, s.sealed, a.xmin::text || ':' || COALESCE(s.xmin::text, '') AS version
     FROM github_apps a LEFT JOIN secrets s ON s.id = a.webhook_secret_id
     WHERE a.name = $1`,
    [name],
  );
  const row = rows[0];
  if (!row) return null;
  const secret = row.webhook_secret_id && row.sealed ? unseal(row.sealed, secretAad(row.webhook_secret_id)) : null;
  return { id: row.id, name: row.name, accountAllowlist: row.account_allowlist, secret, version: row.version };
}

/**
 * The app named `name`, from memory when it was read less than a minute ago, else from the database; null
 * when no app has that name. `fresh` reads it again whatever is cached.
 */
export async function webhookApp(name: string, opts: { fresh?: boolean } = {}): Promise<WebhookApp | null> {
  const hit = cache.get(name);
  if (hit && !opts.fresh && Date.now() - hit.at < TTL_MS) return hit.app;
  const app = await read(name);
  if (app) cache.set(name, { app, at: Date.now() });
  else cache.delete(name);
  return app;
}

/** Drops what is kept of the app (after a statement found it changed), or of every app. */
export function forgetWebhookApp(name?: string): void {
  if (name === undefined) cache.clear();
  else cache.delete(name);
}
