// Before each test file: its own database, cloned from the migrated template, as DATABASE_URL (lib/db.ts
// reads it on the first getDb(), which comes later). After the file: close the Prisma client, drop it.
// Also a git mirror cache directory of its own (SLIPWAY_GIT_CACHE_DIR), removed with it.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, inject } from "vitest";
import { createDatabase, dropDatabase } from "@/test/helpers/pg";
import { closeDb } from "@/lib/db";

const adminUrl = inject("adminUrl");
const db = await createDatabase(adminUrl, { template: inject("templateDatabase") });
process.env.DATABASE_URL = db.url;
// builds keep git mirrors (lib/git/mirror.ts): each test file its own, never in the checkout's .slipway/
const gitCache = mkdtempSync(path.join(os.tmpdir(), "slipway-test-git-cache-"));
process.env.SLIPWAY_GIT_CACHE_DIR ??= gitCache;

afterAll(async () => {
  await closeDb();
  await dropDatabase(adminUrl, db.name);
  rmSync(gitCache, { recursive: true, force: true });
});
