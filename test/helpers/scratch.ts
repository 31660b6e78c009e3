// Extra databases a test file makes on the test server (empty, or cloned), all dropped after the file.
import { afterAll, inject } from "vitest";
import { createDatabase, dropDatabase } from "@/test/helpers/pg";

export function scratchDatabases() {
  const adminUrl = inject("adminUrl");
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made) await dropDatabase(adminUrl, name);
  });
  return {
    adminUrl,
    /** an empty database (nothing migrated); returns its URL */
    async empty(): Promise<string> {
      const db = await createDatabase(adminUrl);
      made.push(db.name);
      return db.url;
    },
  };
}
