// The Prisma client. Only lib/services, lib/queries, lib/audit, lib/auth and workers import it.
// Constructing the client does not connect; the first query does (with DATABASE_URL as set then).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { closeLogListener } from "@/lib/db/log-listener";
import { log } from "@/lib/log";

import type { Prisma } from "@/lib/generated/prisma/client";
export type { Prisma };
export type Tx = Prisma.TransactionClient;

function databaseUrl(): string {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error(
      "DATABASE_URL is not set; run `npm start` for the embedded database, or set it to postgresql://USER:PASSWORD@HOST:5432/DB",
    );
  }
  return connectionString;
}

/**
 * How long a transaction waits for a pooled connection, and how long it may run. Prisma's defaults (2 s, 5 s)
 * failed whole builds and deployments at their last step ("Unable to start a transaction in the given time")
 * when a worker's jobs, cancel polls and log flushes held all SLIPWAY_DB_POOL connections for 2 s on a busy
 * host (three workers on one database, test/worker.three-workers.test.ts). Still bounded; a call may ask for less.
 */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

function createClient(): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl(), max: env().SLIPWAY_DB_POOL });
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
}

const globalForDb = globalThis as unknown as { slipwayDb?: PrismaClient; slipwayWebhookPool?: pg.Pool; slipwayLogPool?: pg.Pool };

/** The shared client, created on first use (kept on globalThis so dev reloads reuse one pool). */
export function getDb(): PrismaClient {
  globalForDb.slipwayDb ??= createClient();
  return globalForDb.slipwayDb;
}

/** GitHub stops waiting for a delivery's answer after 10 s; the receiver's statement never outlasts that. */
const WEBHOOK_STATEMENT_MS = 10_000;

/**
 * The webhook receiver's own pool of plain connections (SLIPWAY_WEBHOOK_DB_POOL, lib/services/webhooks.ts):
 * during a storm of deliveries, a delivery never waits for a connection behind pages, event streams or a
 * worker's transactions, and its one raw statement skips the ORM (about 0.4 ms of CPU less per query).
 * Created on first use; waiting for a connection and running a statement are both bounded.
 */
export function getWebhookPool(): pg.Pool {
  globalForDb.slipwayWebhookPool ??= plainPool({ max: env().SLIPWAY_WEBHOOK_DB_POOL, timeoutMs: WEBHOOK_STATEMENT_MS, what: "webhook receiver" });
  return globalForDb.slipwayWebhookPool;
}

/**
 * A pool of plain pg connections beside the ORM's: waiting for a connection and running a statement are both
 * bounded by `timeoutMs`, and a connection that breaks while idle (the database restarted) is dropped and
 * reported instead of ending the process.
 */
function plainPool(o: { max: number; timeoutMs: number; what: string; applicationName?: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl(),
    max: o.max,
    connectionTimeoutMillis: o.timeoutMs,
    statement_timeout: o.timeoutMs,
    idleTimeoutMillis: 30_000,
    ...(o.applicationName ? { application_name: o.applicationName } : {}),
  });
  pool.on("error", (err) => log.warn({ err: err.message }, `a ${o.what} database connection failed while idle; the pool opens another`));
  return pool;
}

/** A log stream's read never waits longer than this for a connection or its statement. */
const LOG_STATEMENT_MS = 10_000;

/**
 * The log streams' own pool of plain connections (SLIPWAY_LOG_DB_POOL, lib/build/log-store.ts): every
 * follower of a log reads a page per pull, and through the ORM each read left a few hundred KiB of objects
 * that lived long enough to reach V8's old space (20 followers of a 100 MB log grew the web process's heap
 * by ~110 MiB, bench:logs); a plain statement returns bytea as a Buffer and leaves next to nothing. Its
 * statements take a millisecond each, so a few connections serve many followers, and pages never wait
 * behind them. Created on first use; waiting for a connection and running a statement are both bounded.
 */
export function getLogPool(): pg.Pool {
  globalForDb.slipwayLogPool ??= plainPool({ max: env().SLIPWAY_LOG_DB_POOL, timeoutMs: LOG_STATEMENT_MS, what: "log reader", applicationName: "slipway-log-reader" });
  return globalForDb.slipwayLogPool;
}

/** Close the pools and the live-log listener (workers and scripts on exit; tests between databases). */
export async function closeDb(): Promise<void> {
  await closeLogListener();
  const client = globalForDb.slipwayDb;
  const pool = globalForDb.slipwayWebhookPool;
  const logPool = globalForDb.slipwayLogPool;
  globalForDb.slipwayDb = undefined;
  globalForDb.slipwayWebhookPool = undefined;
  globalForDb.slipwayLogPool = undefined;
  if (client) await client.$disconnect();
  if (pool) await pool.end();
  if (logPool) await logPool.end();
}
