// Unit and integration tests (test/**/*.test.ts) against a real PostgreSQL: test/global-setup.ts starts a
// private embedded server (or uses TEST_DATABASE_URL) and migrates a template database; test/setup-db.ts
// gives every test file its own clone of it.
import path from "node:path";
import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./test/sequencer.ts";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // modules the web app alone uses are marked server-only (Next.js refuses them in a browser bundle); the
      // tests import them directly, as the server does
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/setup-db.ts"],
    pool: "forks",
    // the longest files first, by their last full run (test/durations.json), so both workers end together
    sequence: { sequencer: LongestFirstSequencer },
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    env: {
      NODE_ENV: "test",
      // the application logger stays quiet; test/security.secret-redaction.test.ts runs it in a child process
      LOG_LEVEL: "silent",
      NEXT_TELEMETRY_DISABLED: "1",
      CHECKPOINT_DISABLE: "1",
    },
  },
});
