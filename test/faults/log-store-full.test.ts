// Fault suite: the build log store's disk fills up while a build writes its log. The store is PostgreSQL
// (lib/build/log-store.ts); here the build log table is moved, in this test file's own database, to a
// tablespace on a tiny tmpfs (mounted as root), so a build whose RUN step prints megabytes of output fills it
// for real: PostgreSQL refuses the next chunk with SQLSTATE 53100 ("could not extend file …: No space left on
// device"). Expected: the build does not hang and ends (the build itself succeeds), its reason and its page say
// the log was cut because the store was full and what to do, the writer's memory stays bounded, nothing is left
// running or locked, and once space returns (the tmpfs is made larger) the next build logs normally.
// The mount and the tablespace are removed even when the test fails. docs/reliability.md ("Log store disk full").
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { LOG_STORE_FULL } from "@/lib/build/log-writer";
import { startBuildRig, type BuildRig } from "@/test/helpers/build-rig";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";

const SUITE = "log store";
/** the tablespace's room: a few chunks of gzip'd random text fill it */
const TINY = "2m";
const ROOMY = "256m";
const END_BOUND_MS = 240_000;

let rig: BuildRig;
let dir: string | undefined;
let mounted = false;
const tablespace = `faults_full_${process.pid}`;

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

async function untablespace(): Promise<void> {
  const db = getDb();
  await db.$executeRawUnsafe(`ALTER TABLE build_log_chunks SET TABLESPACE pg_default`).catch(() => undefined);
  await db.$executeRawUnsafe(`DROP TABLESPACE IF EXISTS ${tablespace}`).catch((err: unknown) => console.warn(`could not drop ${tablespace}: ${(err as Error).message}`));
}

function unmount(): void {
  if (mounted) {
    try {
      sh("/usr/bin/umount", ["--lazy", dir!]);
      mounted = false;
    } catch (err) {
      console.warn(`could not unmount ${dir}: ${(err as Error).message}`);
    }
  }
  if (dir && !mounted) rmSync(dir, { recursive: true, force: true });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "slipway-logfull-"));
  sh("/usr/bin/mount", ["-t", "tmpfs", "-o", `size=${TINY},mode=0700`, "tmpfs", dir]);
  mounted = true;
  // the embedded server runs as the postgres user
  sh("/usr/bin/chown", ["postgres:postgres", dir]);
  try {
    rig = await startBuildRig({ name: "logfull" });
    await rig.startWorker();
  } catch (err) {
    unmount();
    throw err;
  }
}, 240_000);

afterAll(async () => {
  await rig?.stopWorker();
  await untablespace();
  unmount();
  await rig?.cleanup();
});

/** Makes the store small (and the log table live there), or gives it room again. */
async function storeRoom(size: string): Promise<void> {
  sh("/usr/bin/mount", ["-o", `remount,size=${size}`, dir!]);
}

/** A build whose RUN step prints `mib` MiB of random base64 (which gzip cannot shrink much). */
function noisyBuild(label: string, mib: number): Record<string, string> {
  return {
    // the label first: the RUN step is never taken from the cache (it would print nothing)
    Dockerfile: `FROM ${rig.busybox}\nLABEL trial="${label}-${Date.now()}"\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c ${mib * 786432} /dev/urandom | /bin/busybox base64"]\n`,
  };
}

describe("the log store's disk is full", () => {
  test("a build writing its log into a full store ends, says its log was cut and why; the next build logs normally once space returns", async () => {
    await getDb().$executeRawUnsafe(`CREATE TABLESPACE ${tablespace} LOCATION '${dir}'`);
    await getDb().$executeRawUnsafe(`ALTER TABLE build_log_chunks SET TABLESPACE ${tablespace}`);
    const total = faultTrials();
    const seconds: number[] = [];
    let heapGrowthMax = 0;
    let passed = 0;
    let firstError: unknown;
    try {
      for (let i = 0; i < total; i++) {
        try {
          // the earlier trials' logs go (this test's own database), so the store can be made tiny again: a tmpfs
          // does not shrink below what it holds (room first: a trial that failed may have left it full)
          await storeRoom(ROOMY);
          await getDb().$executeRawUnsafe(`TRUNCATE build_log_chunks`);
          await storeRoom(TINY);
          const heapBefore = process.memoryUsage().heapUsed;
          let heapPeak = heapBefore;
          const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 100);
          const at = Date.now();
          const id = await rig.newBuild(noisyBuild(`full-${i}`, 8));
          let b;
          try {
            b = await rig.ended(id, END_BOUND_MS);
          } finally {
            clearInterval(sampler);
          }
          seconds.push((Date.now() - at) / 1000);
          const growth = (heapPeak - heapBefore) / 2 ** 20;
          heapGrowthMax = Math.max(heapGrowthMax, growth);
          // the build is not the log: it succeeded, and it says where its log ended and why
          expect(b.state, String(b.reason)).toBe("succeeded");
          console.log(`[faults] reason: ${b.reason}`);
          expect(b.reason).toContain(LOG_STORE_FULL);
          expect(b.reason).toMatch(/the log was cut after [\d.]+ (?:KiB|MiB|bytes) and [\d.]+ (?:KiB|MiB) more were not stored \(PostgreSQL: (?:could not extend file|No space left on device)[^)]*\); free space on the database's disk/);
          expect(b.logTruncated).toBe(true);
          expect(b.logOpen).toBe(false);
          expect(b.releases).toHaveLength(1);
          // what was stored reads back in order (no hole): the build's first lines are there
          const stored = await rig.logText(id);
          expect(stored).toContain(`==> build ${id} attempt 1`);
          const seqs = (await getDb().buildLogChunk.findMany({ where: { buildId: id }, select: { seq: true }, orderBy: { seq: "asc" } })).map((c) => c.seq);
          expect(seqs).toEqual(seqs.map((_s, k) => k));
          // an in-process worker: the whole test process's heap, while 8 MiB of output went by, stays small
          expect(growth).toBeLessThan(96);
          expect(await rig.nothingStuck()).toEqual([]);

          // space returns: the next build logs whole, with no cut and no reason
          await storeRoom(ROOMY);
          const next = await rig.newBuild(noisyBuild(`after-${i}`, 1));
          const nb = await rig.ended(next, END_BOUND_MS);
          expect(nb.state, String(nb.reason)).toBe("succeeded");
          expect(nb.reason).toBeNull();
          expect(nb.logTruncated).toBe(false);
          const text = await rig.logText(next);
          expect(text).toContain("==> succeeded");
          expect(text.length).toBeGreaterThan(1_000_000);
          expect(await rig.nothingStuck()).toEqual([]);
          passed++;
        } catch (err) {
          console.log(`[faults] log store trial ${i + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
          firstError ??= err;
        }
      }
    } finally {
      await untablespace();
    }
    recordFault({
      suite: SUITE,
      fault: "log store disk full mid-build",
      trials: total,
      passed,
      figures: seconds.length ? { buildSecondsMax: Number(Math.max(...seconds).toFixed(1)), heapGrowthMiBMax: Number(heapGrowthMax.toFixed(1)) } : undefined,
    });
    console.log(`[faults] ${SUITE}: disk full: builds ended in ${seconds.map((s) => s.toFixed(1)).join(", ")} s; heap growth at most ${heapGrowthMax.toFixed(1)} MiB`);
    if (firstError) throw firstError;
  }, faultTimeout(900_000));
});
