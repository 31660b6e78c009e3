// scripts/lib/production-build.ts: `npm start` builds the console when there is no build or its sources
// changed, and reuses it otherwise. The fingerprint is over the paths and contents of the build's inputs.
// The build itself is exercised for real by test/start.one-time-link.test.ts; here a checkout in a temp dir
// has a small `next` program of its own that writes .next/BUILD_ID (or fails), so the decision and the
// progress and failure output can be checked in milliseconds.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test, vi } from "vitest";
import { BUILD_LOCK_FILE, decideBuild, ensureProductionBuild, FINGERPRINT_FILE, sourceFingerprint } from "@/scripts/lib/production-build";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A checkout with a page, a component, a config and a `next` that builds (or fails, with FAIL_BUILD=1). */
function checkout(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-fingerprint-"));
  dirs.push(dir);
  const put = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  };
  put("app/page.tsx", "export default function Page() { return null; }\n");
  put("components/ui/button.tsx", "export const Button = () => null;\n");
  put("next.config.ts", "export default {};\n");
  put("package-lock.json", "{}\n");
  put("test/ignored.test.ts", "// not part of the build\n");
  put(
    "node_modules/next/dist/bin/next",
    [
      "const fs = require('node:fs');",
      "console.log('Creating an optimized production build ...');",
      "if (fs.existsSync('FAIL_BUILD')) { console.error('Type error: app/page.tsx:1:1 is wrong'); process.exit(1); }",
      "fs.mkdirSync('.next', { recursive: true });",
      "fs.writeFileSync('.next/BUILD_ID', String(Date.now()));",
      "fs.appendFileSync('builds.log', process.env.NODE_ENV + '\\n');",
      "setTimeout(() => {}, 250);",
    ].join("\n"),
  );
  return dir;
}

describe("sourceFingerprint", () => {
  test("changes with a file's content, a new file or a renamed one; not with a touched file or one outside the build", () => {
    const dir = checkout();
    const first = sourceFingerprint(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);

    // the same bytes with a new modification time (a fresh clone, a checkout of the same commit)
    utimesSync(path.join(dir, "app/page.tsx"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(sourceFingerprint(dir)).toBe(first);
    writeFileSync(path.join(dir, "test/ignored.test.ts"), "// changed, and still not part of the build\n");
    expect(sourceFingerprint(dir)).toBe(first);

    writeFileSync(path.join(dir, "app/page.tsx"), "export default function Page() { return 'changed'; }\n");
    const edited = sourceFingerprint(dir);
    expect(edited).not.toBe(first);

    writeFileSync(path.join(dir, "components/ui/new.tsx"), "export {};\n");
    const added = sourceFingerprint(dir);
    expect(added).not.toBe(edited);

    renameSync(path.join(dir, "components/ui/new.tsx"), path.join(dir, "components/ui/renamed.tsx"));
    expect(sourceFingerprint(dir)).not.toBe(added);
  });
});

describe("ensureProductionBuild", () => {
  test("builds on the first start, reuses the build while the sources are the same, rebuilds when they change", async () => {
    const dir = checkout();
    expect(decideBuild(dir)).toMatchObject({ build: true, reason: "first start" });

    const lines: string[] = [];
    const say = (l: string) => lines.push(l);
    expect(await ensureProductionBuild(dir, { say, everyMs: 50 })).toBe(true);
    expect(lines[0]).toBe("building the console for production (first start, about 3 min)…");
    // a progress line while it builds, and none of next build's own output
    expect(lines.some((l) => /^building the console for production \(first start, about 3 min\): \d+ s…$/.test(l))).toBe(true);
    expect(lines.join("\n")).not.toContain("Creating an optimized");
    expect(lines.at(-1)).toMatch(/^built the console in \d+ s$/);

    expect(decideBuild(dir)).toMatchObject({ build: false });
    expect(await ensureProductionBuild(dir, { say })).toBe(false);

    writeFileSync(path.join(dir, "components/ui/button.tsx"), "export const Button = () => 'new';\n");
    expect(decideBuild(dir)).toMatchObject({ build: true, reason: "the sources changed since the last build" });
    expect(await ensureProductionBuild(dir, { say, everyMs: 50 })).toBe(true);
    // built twice, both for production whatever NODE_ENV the tests run with
    expect(readFileSync(path.join(dir, "builds.log"), "utf8")).toBe("production\nproduction\n");
  });

  test("two starts in one checkout build once: the second waits for the first and reuses its build; a dead builder's lock is taken over", async () => {
    const dir = checkout();
    const waited: string[] = [];
    const [a, b] = await Promise.all([
      ensureProductionBuild(dir, { say: () => undefined }),
      ensureProductionBuild(dir, { say: (l) => waited.push(l) }),
    ]);
    expect([a, b].sort()).toEqual([false, true]);
    expect(readFileSync(path.join(dir, "builds.log"), "utf8")).toBe("production\n");
    expect(waited.join("\n")).toContain(`waiting for the build that process ${process.pid} is making in this checkout`);
    expect(existsSync(path.join(dir, BUILD_LOCK_FILE))).toBe(false);

    // a lock left by a process that is gone does not stop the next build
    writeFileSync(path.join(dir, "app/page.tsx"), "export default function Page() { return 'again'; }\n");
    writeFileSync(path.join(dir, BUILD_LOCK_FILE), "2147483646");
    expect(await ensureProductionBuild(dir, { say: () => undefined })).toBe(true);
    expect(readFileSync(path.join(dir, "builds.log"), "utf8")).toBe("production\nproduction\n");
  });

  test("a build that does not say what it was built from (a plain `next build`) is rebuilt once", async () => {
    const dir = checkout();
    await ensureProductionBuild(dir, { say: () => undefined });
    rmSync(path.join(dir, FINGERPRINT_FILE));
    expect(decideBuild(dir)).toMatchObject({ build: true, reason: "the build in .next does not say what it was built from" });
  });

  test("a failed build shows next build's whole output and records no fingerprint", async () => {
    const dir = checkout();
    writeFileSync(path.join(dir, "FAIL_BUILD"), "");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await expect(ensureProductionBuild(dir, { say: () => undefined })).rejects.toThrow(/`next build` failed \(exit code 1\); its output is above/);
      const shown = stderr.mock.calls.map((c) => String(c[0])).join("");
      expect(shown).toContain("Creating an optimized production build");
      expect(shown).toContain("Type error: app/page.tsx:1:1 is wrong");
    } finally {
      stderr.mockRestore();
    }
    expect(decideBuild(dir)).toMatchObject({ build: true, reason: "first start" });
  });
});
