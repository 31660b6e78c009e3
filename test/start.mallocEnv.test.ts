// The long-running processes start with scripts/lib/malloc-env.ts's glibc settings (docs/performance.md,
// "Live logs"): package.json's start, dev, web and worker scripts set the same values, each only when the
// environment sets none, node gets NODE_MEMORY_FLAGS, and withMallocEnv (what bench:logs gives the processes it measures) agrees.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { MALLOC_ENV, NODE_MEMORY_FLAGS, withMallocEnv } from "@/scripts/lib/malloc-env";

const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;

describe("malloc settings of the start scripts", () => {
  test.each(["start", "dev", "web", "worker"])("npm run %s sets every MALLOC_ENV value, unless already set", (name) => {
    for (const [k, v] of Object.entries(MALLOC_ENV)) expect(scripts[name]).toContain(`${k}=\${${k}:-${v}}`);
  });

  test.each(["start", "dev", "web", "worker"])("npm run %s gives node the V8 memory flags", (name) => {
    expect(scripts[name]).toContain(`node ${NODE_MEMORY_FLAGS.join(" ")} --import tsx `);
  });

  test("withMallocEnv fills in the defaults and keeps a value already set", () => {
    const env = withMallocEnv({ MALLOC_ARENA_MAX: "4", PATH: "/bin" });
    expect(env).toEqual({ ...MALLOC_ENV, MALLOC_ARENA_MAX: "4", PATH: "/bin" });
  });
});
