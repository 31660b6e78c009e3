// Before each test file: its own database, cloned from the migrated template, as DATABASE_URL (lib/db.ts
// reads it on the first getDb(), which comes later). After the file: close the Prisma client, drop it.
import { afterAll, inject } from "vitest";
import { createDatabase, dropDatabase } from "@/test/helpers/pg";
import { closeDb } from "@/lib/db";

const adminUrl = inject("adminUrl");
const db = await createDatabase(adminUrl, { template: inject("templateDatabase") });
process.env.DATABASE_URL = db.url;

afterAll(async () => {
  await closeDb();
  await dropDatabase(adminUrl, db.name);
});
