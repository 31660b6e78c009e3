// A transaction waits for a pooled connection instead of failing after Prisma's default 2 s: with every
// connection of the pool busy for a few seconds (as a worker's jobs, cancel polls and log flushes make it on a
// busy host), a build's or deployment's last transaction used to fail the whole run ("Unable to start a
// transaction in the given time"; seen by test/worker.three-workers.test.ts). lib/db.ts TRANSACTION_OPTIONS.
import { afterAll, beforeAll, expect, test } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";

const POOL = 2;

beforeAll(async () => {
  // a small pool of this file's own client (created on the first getDb() below), so two transactions fill it
  await closeDb();
  process.env.SLIPWAY_DB_POOL = String(POOL);
  resetEnvCache();
});

afterAll(() => {
  delete process.env.SLIPWAY_DB_POOL;
  resetEnvCache();
});

test("a transaction started while the pool is busy for 4 s waits for a connection and commits", async () => {
  const db = getDb();
  let busy = 0;
  // every connection of the pool held for 4 s, longer than Prisma's default wait of 2 s
  const holders = Array.from({ length: POOL }, () =>
    db.$transaction(async (tx) => {
      busy++;
      await tx.$executeRaw`SELECT pg_sleep(4)`;
      return "held";
    }),
  );
  while (busy < POOL) await new Promise((r) => setTimeout(r, 20));
  const waiting = db.$transaction(async (tx) => (await tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one`)[0]!.one);
  await expect(waiting).resolves.toBe(1);
  await expect(Promise.all(holders)).resolves.toEqual(Array(POOL).fill("held"));
}, 60_000);
