// Once per run: a private PostgreSQL (embedded, in a fresh temporary directory) unless TEST_DATABASE_URL names
// a server to use, and a template database migrated like production (`prepareDatabase`) that every test
// file clones (test/setup-db.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { prepareDatabase } from "@/lib/db/prepare";
import { createDatabase, dropDatabase, randomDatabaseName } from "@/test/helpers/pg";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  // On a shared server, a per-run template name keeps two runs from dropping each other's template.
  const template = adminUrl ? randomDatabaseName("slipway_template") : "slipway_template";

  if (!adminUrl) {
    // /tmp is reachable by the `postgres` user the server runs as when the tests run as root
    dataDir = mkdtempSync(path.join(os.tmpdir(), "slipway-test-pg-"));
    server = await startEmbeddedPostgres({ dataDir, settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } });
    adminUrl = server.adminUrl;
  }

  try {
    await dropDatabase(adminUrl, template);
    const { url } = await createDatabase(adminUrl, { name: template });
    await prepareDatabase(url);
  } catch (err) {
    await server?.stop();
    throw err;
  }

  project.provide("adminUrl", adminUrl);
  project.provide("templateDatabase", template);

  return async () => {
    if (server) {
      await server.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    } else {
      await dropDatabase(adminUrl, template);
    }
  };
}
