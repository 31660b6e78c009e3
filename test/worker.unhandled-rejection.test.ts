// The worker process's unhandledRejection guard (workers/unhandled.ts): graphile-worker's known LISTEN-client
// double release after a database error is logged and the worker goes on; any other unhandled rejection still
// ends the process with its error, as Node does by default.
import { expect, test } from "vitest";
import { runScript } from "@/test/helpers/spawn";
import { isListenerDoubleRelease } from "@/workers/unhandled";

test("graphile-worker's listener double release does not end the worker", async () => {
  const r = await runScript("test/fixtures/unhandled-rejection.ts", ["known"], { LOG_LEVEL: "warn" });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("still running");
  expect(r.stdout + r.stderr).toMatch(/released its LISTEN connection twice/);
});

test("any other unhandled rejection ends the process with its error and exit code 1", async () => {
  const r = await runScript("test/fixtures/unhandled-rejection.ts", ["other"], { LOG_LEVEL: "warn" });
  expect(r.code).toBe(1);
  expect(r.stdout).not.toContain("still running");
  expect(r.stderr).toContain("something else broke");
});

test("only that error thrown from graphile-worker counts as the known one", () => {
  const e = new Error("Release called on client which has already been released to the pool.");
  e.stack = `Error: ${e.message}\n    at release (/app/lib/db.ts:1:1)`;
  expect(isListenerDoubleRelease(e)).toBe(false);
  e.stack = `Error: ${e.message}\n    at release (/app/node_modules/graphile-worker/dist/main.js:347:20)`;
  expect(isListenerDoubleRelease(e)).toBe(true);
  expect(isListenerDoubleRelease("Release called on client which has already been released to the pool.")).toBe(false);
});
