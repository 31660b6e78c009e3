// Fault suite: the registry a build pushes to changes under it mid-push. A real registry with htpasswd sits
// behind a gate (test/helpers/registry-gate.ts); the build's push is held in flight (the gate stalls the link
// while the build runs, so the push that follows waits on it), then the registry starts answering 401 to the
// credentials Slipway has for it, or goes away (its port refuses connections). Expected: the build ends
// `failed` with a reason that names the registry and what to do, no release is recorded, nothing is left
// running or locked, and a rebuild once the registry is back succeeds with the digest the registry serves. A
// registry that comes back within SLIPWAY_PUSH_RETRY_SECONDS is pushed to again by the same build, which
// succeeds. docs/reliability.md ("Registry answering 401, then down, mid-push").
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { startBuildRig, type BuildRig } from "@/test/helpers/build-rig";
import { eventually } from "@/test/helpers/eventually";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";

const SUITE = "registry mid-push";
const CREDENTIALS = { username: "pusher", password: "push-pass-14" };
/** the retry window the worker runs with here (the default is 300 s) */
const RETRY_SECONDS = 20;
const END_BOUND_MS = 300_000;

let rig: BuildRig;

beforeAll(async () => {
  process.env.SLIPWAY_PUSH_RETRY_SECONDS = String(RETRY_SECONDS);
  resetEnvCache();
  rig = await startBuildRig({ htpasswd: CREDENTIALS, gate: true, name: "registry" });
  await rig.startWorker();
}, 240_000);

afterAll(async () => {
  await rig?.cleanup();
  delete process.env.SLIPWAY_PUSH_RETRY_SECONDS;
  resetEnvCache();
});

/** A build whose push is in flight through a stalled gate when this returns: a fresh 4 MiB layer to push. */
async function buildHeldInPush(label: string): Promise<string> {
  const gate = rig.gate!;
  await gate.set("pass");
  const id = await rig.newBuild({
    // the label first: the RUN step is never taken from the cache, so each trial pushes a layer the registry lacks
    Dockerfile: `FROM ${rig.busybox}\nLABEL trial="${label}-${Date.now()}"\nRUN ["/bin/busybox", "dd", "if=/dev/urandom", "of=/blob", "bs=1024", "count=4096"]\n`,
  });
  await eventually(`build ${id} to build`, async () => {
    const b = await getDb().build.findUniqueOrThrow({ where: { id } });
    if (["succeeded", "failed"].includes(b.state)) throw new Error(`the build ended ${b.state} before its push could be held: ${b.reason}`);
    return b.state === "building";
  }, 120_000, 50);
  await gate.set("stall");
  const before = gate.accepted();
  await eventually(`build ${id} to push through the stalled gate`, async () => {
    const b = await getDb().build.findUniqueOrThrow({ where: { id } });
    if (["succeeded", "failed"].includes(b.state)) throw new Error(`the build ended ${b.state} before its push: ${b.reason}\n${await rig.logText(id)}`);
    return b.state === "pushing" && gate.accepted() > before;
  }, 120_000, 50);
  // the daemon has the registry's connections open and its layers on the way
  await new Promise((r) => setTimeout(r, 1_000));
  return id;
}

/** After a failed push: nothing recorded or stuck, then the same commit rebuilt with the registry back. */
async function afterFailure(id: string): Promise<void> {
  const b = await getDb().build.findUniqueOrThrow({ where: { id }, include: { releases: true } });
  expect(b.releases, "no release for a push that did not finish").toEqual([]);
  expect(await getDb().release.count({ where: { buildId: id } })).toBe(0);
  expect(await getDb().auditEvent.count({ where: { action: "release.recorded", after: { path: ["buildId"], equals: id } } })).toBe(0);
  expect(await rig.nothingStuck()).toEqual([]);
  await rig.gate!.set("pass");
  const again = await rig.rebuild(id);
  const done = await rig.ended(again, END_BOUND_MS);
  expect(done.state, `${done.reason}\n${await rig.logText(again)}`).toBe("succeeded");
  expect(done.releases).toHaveLength(1);
  expect(done.releases[0]!.digest).toBe(await rig.servedDigest());
  expect(await rig.nothingStuck()).toEqual([]);
}

async function trials(fault: string, trial: (i: number) => Promise<number>): Promise<void> {
  const total = faultTrials();
  const seconds: number[] = [];
  let firstError: unknown;
  for (let i = 0; i < total; i++) {
    try {
      seconds.push(await trial(i));
    } catch (err) {
      firstError ??= err;
    } finally {
      await rig.gate!.set("pass");
    }
  }
  seconds.sort((x, y) => x - y);
  const figures = seconds.length ? { endSecondsMedian: Number(seconds[Math.floor(seconds.length / 2)]!.toFixed(1)), endSecondsMax: Number(seconds.at(-1)!.toFixed(1)) } : undefined;
  recordFault({ suite: SUITE, fault, trials: total, passed: seconds.length, figures });
  console.log(`[faults] ${SUITE}: ${fault}: ${seconds.length}/${total} passed; seconds from the fault to the build's end: ${seconds.map((s) => s.toFixed(1)).join(", ")}`);
  if (firstError) throw firstError;
}

describe("the registry changes mid-push", () => {
  test("401: the credentials stop working mid-push: failed without another try, in words naming the registry entry and Settings → Registries", async () => {
    await trials("registry answers 401 mid-push", async (i) => {
      const id = await buildHeldInPush(`401-${i}`);
      const refusalsBefore = rig.gate!.refusals();
      await rig.gate!.set("unauthorized");
      const at = Date.now();
      const b = await rig.ended(id, END_BOUND_MS);
      const seconds = (Date.now() - at) / 1000;
      const log = await rig.logText(id);
      expect(b.state, log).toBe("failed");
      console.log(`[faults] reason: ${b.reason}`);
      expect(rig.gate!.refusals()).toBeGreaterThan(refusalsBefore);
      expect(b.reason).toContain(`the registry ${rig.registryAddress} refused the credentials of ${rig.registryName} (user ${CREDENTIALS.username})`);
      expect(b.reason).toContain("Settings → Registries");
      // refused credentials are not a transient fault: no push is tried again
      expect(log).not.toContain("trying the push again");
      expect(b.reason).not.toContain(CREDENTIALS.password);
      await afterFailure(id);
      return seconds;
    });
  }, faultTimeout(900_000));

  test("down past the retry window: failed in words naming the registry, after trying again", async () => {
    await trials("registry down mid-push (past the retry window)", async (i) => {
      const id = await buildHeldInPush(`down-${i}`);
      await rig.gate!.set("down");
      const at = Date.now();
      const b = await rig.ended(id, END_BOUND_MS);
      const seconds = (Date.now() - at) / 1000;
      const log = await rig.logText(id);
      expect(b.state, log).toBe("failed");
      console.log(`[faults] reason: ${b.reason}`);
      expect(b.reason).toMatch(new RegExp(`^the registry ${rig.registryAddress.replace(/\./g, "\\.")} stopped answering while the image was pushed \\(.+\\); it was tried again \\d+ times? over \\d+ s \\(SLIPWAY_PUSH_RETRY_SECONDS\\): check that the registry runs`));
      expect(log).toContain(`the registry ${rig.registryAddress} stopped answering`);
      expect(log).toContain("trying the push again in 5 s");
      await afterFailure(id);
      return seconds;
    });
  }, faultTimeout(900_000));

  test("down, back within the retry window: the same build pushes again and succeeds", async () => {
    await trials("registry down mid-push, back within the window", async (i) => {
      const id = await buildHeldInPush(`back-${i}`);
      await rig.gate!.set("down");
      const at = Date.now();
      // back once the build has said it will try again
      await eventually(`build ${id} to plan another push`, async () => (await rig.logText(id)).includes("trying the push again"), END_BOUND_MS, 200);
      await rig.gate!.set("pass");
      const b = await rig.ended(id, END_BOUND_MS);
      const seconds = (Date.now() - at) / 1000;
      expect(b.state, `${b.reason}\n${await rig.logText(id)}`).toBe("succeeded");
      expect(b.releases).toHaveLength(1);
      expect(b.releases[0]!.digest).toBe(await rig.servedDigest());
      expect(await rig.nothingStuck()).toEqual([]);
      return seconds;
    });
  }, faultTimeout(900_000));
});
