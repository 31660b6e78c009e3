// What test/global-setup.ts provides to every test file (vitest's `inject`).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** a superuser connection to the test server's `postgres` database */
    adminUrl: string;
    /** the migrated database every test database is cloned from */
    templateDatabase: string;
  }
}
