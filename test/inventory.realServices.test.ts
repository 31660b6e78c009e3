// The inventory's commands against real services: a private sshd (scan, accept, test: connected, host key
// changed, authentication refused, hashed known_hosts), a private dockerd reached over ssh:// through the
// pinned host (Test answers; a wrong pin fails before any Docker call), registries with htpasswd (login
// accepted and refused).
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { saveContext, saveHost, saveRegistry, deleteInventoryEntity } from "@/lib/services/inventory/entities";
import { pinHostKeys, removeHostKey, scanHost, testHost } from "@/lib/services/inventory/hosts";
import { testContext, testRegistry } from "@/lib/services/inventory/checks";
import { ensureDeployerKey, rotateDeployerKey } from "@/lib/services/deployer-key";
import { ConflictError, ForbiddenError, ValidationError } from "@/lib/errors";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startSshd, SSH_KEYSCAN, type Sshd } from "@/test/helpers/sshd";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";

let admin: TestUser;
let operator: TestUser;
let viewer: TestUser;
let sshd: Sshd;
let dockerd: TestDockerd;
let registry: TestRegistry;
let hostId: string;

beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
  operator = await createUser("operator", { login: "olive" });
  viewer = await createUser("viewer", { login: "victor" });
  dockerd = await startDockerd({ swarmInit: true, debug: true });
  sshd = await startSshd({ env: { DOCKER_HOST: dockerd.endpoint } });
  registry = await startRegistry({ htpasswd: { username: "deployer", password: "registry-pass-1" } });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await sshd?.stop();
  await dockerd?.stop();
});

async function pinned(): Promise<string[]> {
  return (await getDb().hostKey.findMany({ where: { hostId } })).map((k) => k.fingerprintSha256).sort();
}

describe("hosts: scan, accept, test", () => {
  test("register the host; scan lists its key with the fingerprint ssh-keygen prints; nothing is pinned by a scan", async () => {
    hostId = (await saveHost(actorFor(admin), { name: "toxis", address: "127.0.0.1", port: String(sshd.port), user: sshd.user })).id;
    const scan = await scanHost(actorFor(admin), { host_id: hostId });
    expect(scan.keys.map((k) => k.fingerprintSha256)).toEqual(sshd.hostKeys.map((k) => k.fingerprintSha256));
    expect(scan.keys.every((k) => !k.pinned)).toBe(true);
    expect(await pinned()).toEqual([]);
  });

  test("with no pinned key, Test connection refuses to connect", async () => {
    const r = await testHost(actorFor(operator), { host_id: hostId });
    expect(r.status).toBe("no_pinned_keys");
  });

  test("accept the scanned key; Test reports authentication refused with the public key to install", async () => {
    const scan = await scanHost(actorFor(admin), { host_id: hostId });
    const res = await pinHostKeys(actorFor(admin), { host_id: hostId, keys: scan.keys.map((k) => `${k.algorithm} ${k.publicKey}`) });
    expect(res.pinned).toEqual(sshd.hostKeys.map((k) => k.fingerprintSha256));
    const event = await getDb().auditEvent.findFirstOrThrow({ where: { action: "host.key_pinned" }, orderBy: { id: "desc" } });
    expect(event.summary).toContain(sshd.hostKeys[0]!.fingerprintSha256);
    const key = await ensureDeployerKey();
    const r = await testHost(actorFor(operator), { host_id: hostId });
    expect(r.status).toBe("auth_refused");
    expect(r.message).toContain(key.publicKey);
    const host = await getDb().host.findUniqueOrThrow({ where: { id: hostId } });
    expect(host.lastCheckResult).toBe(r.message);
  });

  test("with the deployer key installed, Test connects", async () => {
    await sshd.setAuthorizedKeys([(await ensureDeployerKey()).publicKey]);
    const r = await testHost(actorFor(operator), { host_id: hostId });
    expect(r.status).toBe("connected");
    expect(r.message).toContain(sshd.hostKeys[0]!.fingerprintSha256);
  });

  test("a changed host key is refused with both fingerprints until an admin accepts the new one", async () => {
    const old = sshd.hostKeys[0]!.fingerprintSha256;
    await sshd.replaceHostKey();
    const now = sshd.hostKeys[0]!.fingerprintSha256;
    expect(now).not.toBe(old);
    const r = await testHost(actorFor(operator), { host_id: hostId });
    expect(r.status).toBe("host_key_changed");
    expect(r.message).toContain(old);
    expect(r.message).toContain(now);
    // hashed known_hosts lines, as `ssh-keyscan -H` writes them, are accepted for the host's address and port
    const hashed = execFileSync(SSH_KEYSCAN, ["-H", "-t", "ed25519", "-p", String(sshd.port), "127.0.0.1"], { encoding: "utf8" });
    expect(hashed).toMatch(/^\|1\|/m);
    const oldKey = await getDb().hostKey.findFirstOrThrow({ where: { hostId, fingerprintSha256: old } });
    await removeHostKey(actorFor(admin), { host_id: hostId, key_id: oldKey.id });
    await pinHostKeys(actorFor(admin), { host_id: hostId, known_hosts: hashed });
    expect(await pinned()).toEqual([now]);
    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("connected");
  });

  test("pasted lines for another host, or garbage, pin nothing and say which line is wrong", async () => {
    const other = execFileSync(SSH_KEYSCAN, ["-t", "ed25519", "-p", String(sshd.port), "127.0.0.1"], { encoding: "utf8" }).replace("[127.0.0.1]", "[10.9.9.9]");
    const err = await pinHostKeys(actorFor(admin), { host_id: hostId, known_hosts: `${other}\nnot a key line\n` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/line 1/);
    expect((err as ValidationError).message).toMatch(/line 3/);
    expect(await pinned()).toEqual([sshd.hostKeys[0]!.fingerprintSha256]);
  });

  test("viewers cannot test, operators cannot pin or scan", async () => {
    await expect(testHost(actorFor(viewer), { host_id: hostId })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(scanHost(actorFor(operator), { host_id: hostId })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(pinHostKeys(actorFor(operator), { host_id: hostId, keys: ["ssh-ed25519 AAAA"] })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("docker contexts over ssh:// through the pinned host", () => {
  let contextId: string;

  test("Test answers with the engine's version and swarm state", async () => {
    contextId = (await saveContext(actorFor(admin), { name: "toxis", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "both", archs: "amd64" })).id;
    const ctx = await getDb().dockerContext.findUniqueOrThrow({ where: { id: contextId } });
    expect(ctx.hostId).toBe(hostId);
    const r = await testContext(actorFor(operator), { context_id: contextId });
    expect(r, r.message).toMatchObject({ ok: true });
    expect(r.message).toMatch(/swarm active/i);
  });

  test("a wrong pinned key fails before any Docker call, naming both fingerprints", async () => {
    const real = sshd.hostKeys[0]!;
    const fake = generateDeployerKeyPair("not-the-host");
    const [, fakeBlob] = fake.publicKey.split(" ");
    await getDb().hostKey.deleteMany({ where: { hostId } });
    await pinHostKeys(actorFor(admin), { host_id: hostId, keys: [`ssh-ed25519 ${fakeBlob}`] });
    const callsBefore = dockerd.apiCalls().length;
    const r = await testContext(actorFor(operator), { context_id: contextId });
    expect(r.ok).toBe(false);
    expect(r.message).toContain(real.fingerprintSha256);
    expect(r.message).toContain(fake.fingerprintSha256);
    expect(dockerd.apiCalls().length).toBe(callsBefore);
    // put the real key back for what follows
    await getDb().hostKey.deleteMany({ where: { hostId } });
    await pinHostKeys(actorFor(admin), { host_id: hostId, keys: [`${real.algorithm} ${real.publicKey}`] });
  });

  test("an ssh:// endpoint that no registered host serves is refused", async () => {
    await expect(saveContext(actorFor(admin), { name: "nowhere", endpoint: "ssh://root@192.0.2.1" })).rejects.toBeInstanceOf(ValidationError);
  });

  test("a host used by a context cannot be deleted", async () => {
    await expect(deleteInventoryEntity(actorFor(admin), { kind: "host", id: hostId })).rejects.toBeInstanceOf(ConflictError);
  });

  test("after rotating the deployer key the host refuses it until the new key is installed", async () => {
    const next = await rotateDeployerKey(actorFor(admin));
    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("auth_refused");
    await sshd.setAuthorizedKeys([next.publicKey]);
    expect((await testHost(actorFor(operator), { host_id: hostId })).status).toBe("connected");
    expect(await getDb().deployerKey.count({ where: { retiredAt: null } })).toBe(1);
  });
});

describe("registries: Test login", () => {
  test("the right password is accepted, a wrong one refused in words", async () => {
    const ok = await saveRegistry(actorFor(admin), { name: "local", url: registry.url, username: "deployer", password: "registry-pass-1" });
    const good = await testRegistry(actorFor(operator), { registry_id: ok.id });
    expect(good, good.message).toMatchObject({ ok: true });
    await saveRegistry(actorFor(admin), { id: ok.id, name: "local", url: registry.url, username: "deployer", password: "wrong-pass-2" });
    const bad = await testRegistry(actorFor(operator), { registry_id: ok.id });
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/refused|username or password/i);
    expect(bad.message).not.toContain("wrong-pass-2");
  });
});
