// host-key-rotation: accepting a host's replacement key retires the key it replaces (connections stop trusting
// it; the audit event names both fingerprints), keeping both is an explicit choice, and the host's last Test
// result (and its docker contexts') is cleared when the pinned keys change. Against a real sshd whose key is
// replaced, as a reinstalled host's would be.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { saveContext, saveHost } from "@/lib/services/inventory/entities";
import { pinHostKeys, removeHostKey, scanHost, testHost } from "@/lib/services/inventory/hosts";
import { hostAccess } from "@/lib/services/inventory/access";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startSshd, type Sshd } from "@/test/helpers/sshd";

let admin: TestUser;
let operator: TestUser;
let sshd: Sshd;
let hostId: string;

beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
  operator = await createUser("operator", { login: "olive" });
  sshd = await startSshd({ authorizedKeys: [(await ensureDeployerKey()).publicKey] });
  hostId = (await saveHost(actorFor(admin), { name: "toxis", address: "127.0.0.1", port: String(sshd.port), user: sshd.user })).id;
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
});

/** The fingerprints a connection to the host accepts (what every SSH connection is checked against). */
async function trusted(): Promise<string[]> {
  return (await hostAccess(hostId)).pinnedKeys.map((k) => k.fingerprintSha256).sort();
}

async function acceptScan(keepExisting = false) {
  const scan = await scanHost(actorFor(admin), { host_id: hostId });
  return pinHostKeys(actorFor(admin), {
    host_id: hostId,
    keys: scan.keys.map((k) => `${k.algorithm} ${k.publicKey}`),
    ...(keepExisting ? { keep_existing: "on" } : {}),
  });
}

describe("host-key-rotation", () => {
  test("accepting the rotated key retires the old one; the audit event names both; the stale Test result is cleared", async () => {
    const first = await acceptScan();
    const old = sshd.hostKeys[0]!.fingerprintSha256;
    expect(first).toEqual({ pinned: [old], retired: [] });
    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("connected");
    const tested = await getDb().host.findUniqueOrThrow({ where: { id: hostId } });
    expect(tested.lastCheckResult).toMatch(/^Connected to toxis/);

    // a docker context through the host keeps a result of its own: it spoke of the old key too
    const ctx = await saveContext(actorFor(admin), { name: "toxis", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "both", archs: "amd64" });
    await getDb().dockerContext.update({ where: { id: ctx.id }, data: { lastCheckedAt: new Date(), lastCheckResult: { ok: true, message: "toxis: Docker 20.10" } } });

    await sshd.replaceHostKey();
    const now = sshd.hostKeys[0]!.fingerprintSha256;
    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("host_key_changed");

    const scan = await scanHost(actorFor(admin), { host_id: hostId });
    expect(scan.notPresented).toEqual([{ algorithm: "ssh-ed25519", fingerprintSha256: old }]);
    const before = await getDb().auditEvent.count();
    const r = await acceptScan();
    expect(r).toEqual({ pinned: [now], retired: [old] });
    expect(await trusted()).toEqual([now]);

    const events = await getDb().auditEvent.findMany({ where: { id: { gt: before } }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["host.key_pinned", "host.key_retired"]);
    const retired = events[1]!;
    expect(retired.summary).toContain(old);
    expect(retired.summary).toContain(now);
    expect(retired.before).toMatchObject({ fingerprintSha256: old });
    expect(retired.after).toMatchObject({ fingerprintsSha256: [now] });

    const host = await getDb().host.findUniqueOrThrow({ where: { id: hostId } });
    expect(host.lastCheckResult).toBeNull();
    expect(host.lastCheckedAt).toBeNull();
    const context = await getDb().dockerContext.findUniqueOrThrow({ where: { id: ctx.id } });
    expect(context.lastCheckResult).toBeNull();
    expect(context.lastCheckedAt).toBeNull();

    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("connected");
  });

  test("keeping the old key next to the new one is an explicit choice, and nothing is retired then", async () => {
    const old = sshd.hostKeys[0]!.fingerprintSha256;
    await sshd.replaceHostKey();
    const now = sshd.hostKeys[0]!.fingerprintSha256;
    const before = await getDb().auditEvent.count();
    expect(await acceptScan(true)).toEqual({ pinned: [now], retired: [] });
    expect(await trusted()).toEqual([old, now].sort());
    const events = await getDb().auditEvent.findMany({ where: { id: { gt: before } } });
    expect(events.map((e) => e.action)).toEqual(["host.key_pinned"]);
    expect(events[0]!.summary).toMatch(/kept/);
  });

  test("pasted known_hosts lines replace the accepted keys the same way", async () => {
    const current = sshd.hostKeys[0]!;
    const line = `[127.0.0.1]:${sshd.port} ${current.algorithm} ${current.publicKey}\n`;
    const r = await pinHostKeys(actorFor(admin), { host_id: hostId, known_hosts: line });
    expect(r.pinned).toEqual([]);
    expect(r.retired).toHaveLength(1);
    expect(await trusted()).toEqual([current.fingerprintSha256]);
  });

  test("removing a pinned key clears the stale Test result too", async () => {
    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("connected");
    await acceptScan(true);
    await sshd.replaceHostKey();
    await acceptScan(true);
    const keys = await getDb().hostKey.findMany({ where: { hostId }, orderBy: { acceptedAt: "asc" } });
    expect(keys.length).toBe(2);
    await getDb().host.update({ where: { id: hostId }, data: { lastCheckedAt: new Date(), lastCheckResult: "toxis: connected" } });
    await removeHostKey(actorFor(admin), { host_id: hostId, key_id: keys[0]!.id });
    const host = await getDb().host.findUniqueOrThrow({ where: { id: hostId } });
    expect(host.lastCheckResult).toBeNull();
  });
});
