// How every command finds Slipway's database (npm start, npm run web, npm run worker, npm run slipway,
// npm run audit:verify, npm run db:migrate), in one order: DATABASE_URL when it is set; else the embedded
// PostgreSQL of the data directory (SLIPWAY_DATA_DIR, default .slipway): the server a running `npm start`
// keeps there, or one started here for as long as the command runs.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { EnvError, resetEnvCache, type Env } from "@/lib/env";
import { claimDataDir, dataDirOwner, EmbeddedPostgresError, runningEmbeddedUrl, startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { redactUrl } from "@/lib/db/migrate";

/**
 * What the command does with the embedded database when DATABASE_URL is not set:
 * - "own" (npm start): holds the data directory and runs its server; refused while another Slipway holds it;
 * - "borrow" (one-off commands): the running Slipway's server, else starts it until `close()`;
 * - "attach" (npm run web, npm run worker): the running Slipway's server only; they never start one.
 */
export type DatabaseUse = "own" | "borrow" | "attach";

export interface Database {
  url: string;
  /** for banners and logs: the URL without its password, or the embedded cluster's directory */
  where: string;
  /** the embedded server this call started ("own", "borrow"), which `close()` stops */
  server?: EmbeddedPostgres;
  /** the data directory, when the database is the embedded one */
  dataDir?: string;
  /** stops what this call started and lets the data directory go; safe to call twice */
  close(): Promise<void>;
}

/** The embedded database's secrets were encrypted with the data directory's key: use it unless one is set. */
function adoptDataDirSecretKey(dataDir: string): void {
  const file = path.join(dataDir, "secret.key");
  if (process.env.SLIPWAY_SECRET_KEY || !existsSync(file)) return;
  process.env.SLIPWAY_SECRET_KEY = readFileSync(file, "utf8").trim();
  resetEnvCache();
}

/** The data directory of the embedded database (and of the quick start's secret key). */
export function dataDirOf(e: Env): string {
  return path.resolve(e.SLIPWAY_DATA_DIR);
}

export async function findDatabase(e: Env, use: DatabaseUse, log: (line: string) => void = () => undefined): Promise<Database> {
  if (e.DATABASE_URL) return { url: e.DATABASE_URL, where: redactUrl(e.DATABASE_URL), close: async () => undefined };

  const dataDir = dataDirOf(e);
  if (use !== "own" && dataDirOwner(dataDir)) {
    const url = runningEmbeddedUrl(dataDir);
    if (!url) {
      throw new EmbeddedPostgresError(
        `a Slipway (pid ${dataDirOwner(dataDir)}) is running on the data directory ${dataDir}, but ${path.join(dataDir, "postgres.json")} is unreadable; set DATABASE_URL`,
      );
    }
    adoptDataDirSecretKey(dataDir);
    return { url, where: `the embedded PostgreSQL of the Slipway running on ${dataDir}`, dataDir, close: async () => undefined };
  }
  if (use === "attach") {
    throw new EnvError([
      `DATABASE_URL: is not set, and no \`npm start\` is running on the data directory ${dataDir}; set it to postgresql://USER:PASSWORD@HOST:5432/DB, or run \`npm start\``,
    ]);
  }

  const release = claimDataDir(dataDir);
  let server: EmbeddedPostgres;
  try {
    adoptDataDirSecretKey(dataDir);
    log(`starting the embedded PostgreSQL (data directory ${dataDir})`);
    server = await startEmbeddedPostgres({ dataDir, port: e.SLIPWAY_PG_PORT, log });
  } catch (err) {
    release();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    where: `embedded PostgreSQL in ${server.clusterDir}`,
    server,
    dataDir,
    close() {
      closing ??= server.stop().finally(release);
      return closing;
    },
  };
}
