// "Check host" of a unikernel target against a real sshd (pinned host keys, the deployer key) whose sessions
// find the stand-in systemctl and albatross-client: each item answered in words, what fails says what to do,
// a program name is never read by a shell (command-injection), the role is checked, no audit event is written.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { ForbiddenError, ConflictError } from "@/lib/errors";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveDeploymentRule, saveHost, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { checkUnikernelTarget, type TargetCheckResult } from "@/lib/services/inventory/target-check";
import { actorFor, auditCount, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { createUnikernelHost, type UnikernelHost } from "@/test/helpers/unikernel";

let sshd: Sshd;
let host: UnikernelHost;
let admin: TestUser;
let operator: TestUser;
let ruleId: string;
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = "7".repeat(64);
  resetEnvCache();
  host = await createUnikernelHost();
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { PATH: host.path } });
  [admin, operator] = await Promise.all([createUser("admin"), createUser("operator")]);
  const a = actorFor(admin);
  const h = await saveHost(a, { name: "ukhost", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  await pinHostKeys(a, { host_id: h.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
  const repo = await saveRepository(a, { repo: "mirage/www", url: "https://git.example.org/mirage/www.git" });
  const build = await saveBuildRule(a, { repository_id: repo.id, kind: "unikernel", target: "hvt" });
  ruleId = (await saveDeploymentRule(a, { build_rule_id: build.id, branch: "master", image: "127.0.0.1:5000/mirage/www:live-mirage-hvt" })).id;
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  await host?.cleanup();
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

async function target(restart: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ id: string; service: string }> {
  n++;
  const service = `www${n}`;
  const t = await saveTarget(actorFor(admin), { deployment_rule_id: ruleId, host: "ukhost", service, dir: host.unikernelDir, restart, ...extra });
  return { id: t.id, service };
}

const check = (id: string) => checkUnikernelTarget(actorFor(operator), { target_id: id });
const outcomes = (r: TargetCheckResult) => Object.fromEntries(r.items.map((i) => [i.name, i.outcome]));
const detail = (r: TargetCheckResult, name: string) => r.items.find((i) => i.name === name)?.detail ?? "";

describe("Check host", () => {
  test("systemd: logs in, makes and writes the service's directory, finds systemctl and the unit; leaves no probe and no audit event", async () => {
    const t = await target({ method: "systemd" });
    const before = await auditCount();
    const r = await check(t.id);
    expect(r, JSON.stringify(r, null, 2)).toMatchObject({ ok: true, host: "ukhost" });
    expect(r.items.map((i) => i.name)).toEqual(["login", "directory", "program", "unit"]);
    expect(r.items.map((i) => i.label)).toEqual([
      `Log in as ${sshd.user}@ukhost`,
      `Create and write ${host.unikernelDir}/${t.service}`,
      "Find systemctl on the host",
      `systemd knows the unit unikernel@${t.service}`,
    ]);
    expect(detail(r, "program")).toBe(`systemctl is ${path.join(host.binDir, "systemctl")}`);
    expect(detail(r, "unit")).toContain("unikernel@.service");
    const dir = path.join(host.unikernelDir, t.service);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    expect(await auditCount()).toBe(before);
  });

  test("systemd: a unit systemd does not know says to install the unit template", async () => {
    const t = await target({ method: "systemd", unit: "nginx.service" });
    const r = await check(t.id);
    expect(outcomes(r)).toEqual({ login: "ok", directory: "ok", program: "ok", unit: "failed" });
    expect(detail(r, "unit")).toMatch(/^unit not found: install the unit template from the README/);
    expect(r.ok).toBe(false);
  });

  test("albatross: finds albatross-client; no unit to check", async () => {
    const t = await target({ method: "albatross", memory: 128 });
    const r = await check(t.id);
    expect(outcomes(r)).toEqual({ login: "ok", directory: "ok", program: "ok" });
    expect(detail(r, "program")).toBe(`albatross-client is ${path.join(host.binDir, "albatross-client")}`);
  });

  test("command: a program missing from the host's PATH says to install it or give its absolute path", async () => {
    const t = await target({ method: "command", argv: ["mirage-redeploy", "{service}"] });
    const r = await check(t.id);
    expect(outcomes(r)).toEqual({ login: "ok", directory: "ok", program: "failed" });
    expect(detail(r, "program")).toBe(`mirage-redeploy is not on the PATH of ${sshd.user} on ukhost; install mirage-redeploy on the host, or give its absolute path as the first argument of the restart command`);
    writeFileSync(path.join(host.binDir, "mirage-redeploy"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    expect(outcomes(await check(t.id))).toEqual({ login: "ok", directory: "ok", program: "ok" });
  });

  test("command-injection: the program name is an argument of sh, never part of its script", async () => {
    const marker = path.join(host.runDir, `injected-${n}`);
    const t = await target({ method: "command", argv: ["mirage-redeploy", "{service}"] });
    for (const program of [`/bin/true;touch\${IFS}${marker}`, `/x$(touch\${IFS}${marker})`, `/x\`touch\${IFS}${marker}\``]) {
      // as if a row held it (the form refuses most of these): the check must not run it
      await getDb().target.update({ where: { id: t.id }, data: { restartArgv: [program, "{service}"] } });
      const r = await check(t.id);
      expect(outcomes(r).program).toBe("failed");
      expect(existsSync(marker)).toBe(false);
    }
  });

  test("a directory that cannot be made is answered with what to do, and the rest is still checked", async () => {
    const file = path.join(host.runDir, "a-file");
    writeFileSync(file, "not a directory\n");
    const t = await target({ method: "systemd" }, { dir: file });
    const r = await check(t.id);
    expect(outcomes(r)).toEqual({ login: "ok", directory: "failed", program: "ok", unit: "ok" });
    expect(detail(r, "directory")).toMatch(new RegExp(`^mkdir -p ${file}/${t.service} failed \\(exit status 1: .*Not a directory\\); create it on the host and give ${sshd.user} write access to it`));
  });

  test("viewers may not run it; it is for unikernel targets only", async () => {
    const t = await target({ method: "systemd" });
    const viewer = await createUser("viewer");
    await expect(checkUnikernelTarget(actorFor(viewer), { target_id: t.id })).rejects.toBeInstanceOf(ForbiddenError);
    const swarm = await getDb().target.create({ data: { deploymentRuleId: ruleId, name: "not-a-unikernel", kind: "swarm_service", service: "web" } });
    await expect(check(swarm.id)).rejects.toBeInstanceOf(ConflictError);
  });

  test("a changed host key stops it at the login, with both fingerprints; nothing else is tried", async () => {
    const t = await target({ method: "systemd" });
    const old = sshd.hostKeys.map((k) => k.fingerprintSha256);
    await sshd.replaceHostKey();
    const r = await check(t.id);
    expect(outcomes(r)).toEqual({ login: "failed", directory: "skipped", program: "skipped", unit: "skipped" });
    expect(detail(r, "login")).toContain(sshd.hostKeys[0]!.fingerprintSha256);
    expect(detail(r, "login")).toContain(old[0]!);
    expect(existsSync(path.join(host.unikernelDir, t.service))).toBe(false);
  });
});
