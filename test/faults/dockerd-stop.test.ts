// Fault suite: the build host's dockerd stopped while a build runs. The build host is a private dockerd
// (test/helpers/dockerd.ts) registered as a build context; a build's RUN step sleeps, and while it runs the
// daemon is stopped with SIGTERM (as `systemctl stop docker` does) or killed with SIGKILL. Expected: the build
// ends `failed` with a reason from Slipway's own knowledge (the connection to the engine of build host X was
// lost while it was building, what to check), never dockerd's last words; no release; nothing left running or
// locked; and once dockerd is back, a rebuild succeeds. docs/reliability.md ("dockerd stopped mid-build").
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { engineLostReason } from "@/lib/build/failure";
import { startBuildRig, type BuildRig } from "@/test/helpers/build-rig";
import { eventually } from "@/test/helpers/eventually";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";

const SUITE = "dockerd stopped mid-build";
const END_BOUND_MS = 120_000;

let rig: BuildRig;

beforeAll(async () => {
  rig = await startBuildRig({ name: "dockerd" });
  await rig.startWorker();
}, 240_000);

afterAll(async () => {
  await rig?.cleanup();
});

async function stopDuringBuild(signal: "SIGTERM" | "SIGKILL", i: number): Promise<number> {
  // the trial's label comes first, so the RUN step is never taken from the cache (an earlier rebuild ran it)
  const id = await rig.newBuild({ Dockerfile: `FROM ${rig.busybox}\nLABEL trial="${signal}-${i}-${Date.now()}"\nRUN ["/bin/busybox", "sleep", "30"]\n` });
  await eventually(`build ${id} to run its RUN step`, async () => {
    const b = await getDb().build.findUniqueOrThrow({ where: { id } });
    if (["succeeded", "failed"].includes(b.state)) throw new Error(`the build ended ${b.state} before dockerd was stopped: ${b.reason}`);
    return b.state === "building" && /RUN \["\/bin\/busybox", "sleep", "30"\]\n ---> Running in/.test(await rig.logText(id));
  }, 120_000, 100);
  const at = Date.now();
  await rig.docker.pause({ signal });
  const b = await rig.ended(id, END_BOUND_MS);
  const seconds = (Date.now() - at) / 1000;
  const log = await rig.logText(id);
  expect(b.state, log).toBe("failed");
  console.log(`[faults] ${signal} reason: ${b.reason}`);
  // Slipway's words, from what it knows: which build host, which phase, what to check
  expect(b.reason).toBe(engineLostReason({ name: "builder", target: rig.docker.socketPath }, "building"));
  expect(log).toContain(`==> failed: ${b.reason}`);
  expect(b.releases).toEqual([]);
  expect(await getDb().release.count({ where: { buildId: id } })).toBe(0);
  expect(await rig.nothingStuck()).toEqual([]);

  // dockerd back: the same commit rebuilds and pushes
  await rig.docker.resume();
  const again = await rig.rebuild(id);
  const done = await rig.ended(again, 240_000);
  expect(done.state, `${done.reason}\n${await rig.logText(again)}`).toBe("succeeded");
  expect(done.releases).toHaveLength(1);
  expect(done.releases[0]!.digest).toBe(await rig.servedDigest());
  expect(await rig.nothingStuck()).toEqual([]);
  return seconds;
}

async function trials(fault: string, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  const total = faultTrials();
  const seconds: number[] = [];
  let firstError: unknown;
  for (let i = 0; i < total; i++) {
    try {
      seconds.push(await stopDuringBuild(signal, i));
    } catch (err) {
      firstError ??= err;
      await rig.docker.resume().catch(() => undefined);
    }
  }
  seconds.sort((x, y) => x - y);
  const figures = seconds.length ? { endSecondsMedian: Number(seconds[Math.floor(seconds.length / 2)]!.toFixed(1)), endSecondsMax: Number(seconds.at(-1)!.toFixed(1)) } : undefined;
  recordFault({ suite: SUITE, fault, trials: total, passed: seconds.length, figures });
  console.log(`[faults] ${SUITE}: ${fault}: ${seconds.length}/${total} passed; seconds from the stop to the build's end: ${seconds.map((s) => s.toFixed(1)).join(", ")}`);
  if (firstError) throw firstError;
}

describe("the build host's dockerd stops mid-build", () => {
  test("SIGTERM (systemctl stop docker): failed, in words naming the build host and the lost engine", async () => {
    await trials("dockerd SIGTERM during a RUN step", "SIGTERM");
  }, faultTimeout(900_000));

  test("SIGKILL: failed, in the same words", async () => {
    await trials("dockerd SIGKILL during a RUN step", "SIGKILL");
  }, faultTimeout(900_000));
});
