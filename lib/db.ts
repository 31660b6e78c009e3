// The Prisma client. Only lib/services, lib/queries, lib/audit, lib/auth and workers import it.
// Constructing the client does not connect; the first query does (with DATABASE_URL as set then).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { closeLogListener } from "@/lib/db/log-listener";

import type { Prisma } from "@/lib/generated/prisma/client";
export type { Prisma };
export type Tx = Prisma.TransactionClient;

function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error(
      "DATABASE_URL is not set; run `npm start` for the embedded database, or set it to postgresql://USER:PASSWORD@HOST:5432/DB",
    );
  }
  const adapter = new PrismaPg({ connectionString, max: env().SLIPWAY_DB_POOL });
  return new PrismaClient({ adapter });
}

const globalForDb = globalThis as unknown as { slipwayDb?: PrismaClient };

/** The shared client, created on first use (kept on globalThis so dev reloads reuse one pool). */
export function getDb(): PrismaClient {
  globalForDb.slipwayDb ??= createClient();
  return globalForDb.slipwayDb;
}

/** Close the pool and the live-log listener (workers and scripts on exit; tests between databases). */
export async function closeDb(): Promise<void> {
  await closeLogListener();
  const client = globalForDb.slipwayDb;
  globalForDb.slipwayDb = undefined;
  if (client) await client.$disconnect();
}
