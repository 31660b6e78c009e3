// Where `slipway login` keeps the server's URL and the token: $XDG_CONFIG_HOME/slipway/config.json (else
// ~/.config/slipway/config.json), the directory mode 0700 and the file 0600, written whole through a rename.
// SLIPWAY_URL / SLIPWAY_TOKEN override the file; --url / --token override both.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { CliError, EXIT, UsageError } from "@/cli/exit-codes";

/** the environment variables it reads (process.env, or a test's own) */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Connection {
  /** the server's base URL, without /api/v1 and without a trailing slash */
  url: string;
  token: string;
}

const fileSchema = z.object({ url: z.string().min(1), token: z.string().min(1) });

export function configPath(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME?.trim() || os.homedir(), ".config");
  return path.join(base, "slipway", "config.json");
}

/** "https://slipway.example.org/" or ".../api/v1" → "https://slipway.example.org"; refuses what is not http(s). */
export function normalizeUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new UsageError(`"${raw}" is not a URL: give the console's address, e.g. https://slipway.example.org`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new UsageError(`"${raw}" is not an http:// or https:// URL: give the console's address, e.g. https://slipway.example.org`);
  if (u.username || u.password) throw new UsageError(`"${raw}" holds a user name or password: give the address alone; the token is the credential`);
  const p = u.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  return `${u.protocol}//${u.host}${p}`;
}

export function readConfigFile(file: string): Connection | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.unauthenticated);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const r = fileSchema.safeParse(parsed);
  if (!r.success) throw new CliError(`${file} is not a configuration slipway wrote; delete it (slipway logout) and sign in again (slipway login URL)`, EXIT.unauthenticated);
  return r.data;
}

/** Writes the file with mode 0600 in a directory of mode 0700 (both made so if they exist with other modes). */
export function writeConfigFile(file: string, c: Connection): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ url: c.url, token: c.token }, null, 2) + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(tmp, 0o600); // the umask cannot widen it, but a mode given at creation can be narrowed by it only
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`, EXIT.failed);
  }
}

/** Removes the stored token; true when there was one. */
export function removeConfigFile(file: string): boolean {
  try {
    rmSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new CliError(`cannot remove ${file}: ${(err as Error).message}`, EXIT.failed);
  }
}

/** The URL and token to use: flags, then SLIPWAY_URL / SLIPWAY_TOKEN, then the file. */
export function resolveConnection(flags: { url?: string; token?: string }, env: Env, file: string): Connection {
  const url = flags.url ?? (env.SLIPWAY_URL?.trim() || undefined);
  const token = flags.token ?? (env.SLIPWAY_TOKEN?.trim() || undefined);
  const stored = url && token ? null : readConfigFile(file);
  const finalUrl = url ?? stored?.url;
  const finalToken = token ?? stored?.token;
  if (!finalUrl || !finalToken) {
    throw new CliError(
      "not signed in: run `slipway login URL` (or set SLIPWAY_URL and SLIPWAY_TOKEN, or give --url and --token)",
      EXIT.unauthenticated,
    );
  }
  return { url: normalizeUrl(finalUrl), token: finalToken.trim() };
}
