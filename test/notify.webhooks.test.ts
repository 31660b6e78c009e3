// Outgoing webhooks (docs/webhooks.md): a receiver on loopback (node:http) checks the Slipway-Signature the
// way the doc says a receiver should — implemented here from the doc, not with Slipway's signer — and the
// delivery log records retries with backoff (the attempt run with a clock of the test's), refusals that are
// not retried, the app/repository filter, redelivery under the same id, and a secret that never reaches a log.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import type { Logger } from "@/lib/log";
import { saveChannel } from "@/lib/services/inventory/entities";
import { attemptDelivery, pruneNotificationDeliveries, queueNotification, RETRY_BACKOFF_MS, type EventInput } from "@/lib/services/notifications/deliveries";
import { redeliver, rotateSigningSecret } from "@/lib/services/notifications/commands";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { exportInventory, importInventory } from "@/lib/services/inventory/config";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { notifyHostKeyChanged } from "@/lib/services/notifications/host-key";
import { onHostKeyRefused, type HostKeyRefusal } from "@/lib/ssh/host-key-events";
import { sshConnectConfig } from "@/lib/ssh/connect";
import { generateKeyPairSync, createHash } from "node:crypto";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

/** The receiver of docs/webhooks.md: HMAC-SHA256 over "<t>.<raw body>" with the secret as key, t at most 5 minutes old. */
function verify(secret: string, header: string | undefined, raw: string, nowSeconds: number): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${raw}`).digest("hex");
  const got = parts.v1 ?? "";
  return got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

let server: Server;
let base = "";
const received: Received[] = [];
/** answers per path, in turn; the last one repeats */
const script = new Map<string, number[]>();
const secrets = new Map<string, string>();
/** the clock the receiver checks `t` against (the attempts run with a clock of the test's) */
let receiverNow = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const secret = secrets.get(path) ?? "";
      received.push({ path, headers: req.headers, body, verified: verify(secret, req.headers["slipway-signature"] as string | undefined, body, receiverNow()) });
      const answers = script.get(path) ?? [200];
      const status = answers.length > 1 ? answers.shift()! : answers[0]!;
      res.writeHead(status, { "content-type": "text/plain" }).end(status >= 400 ? `no (${status})` : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const lines: string[] = [];
const log = pino(
  { level: "debug" },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  }),
) as unknown as Logger;

async function webhookChannel(name: string, over: Record<string, unknown> = {}): Promise<{ id: string; secret: string; path: string }> {
  const admin = await createUser("admin");
  const path = `/hooks/${name}?token=url-credential-${name}`;
  const saved = await saveChannel(actorFor(admin), { name, kind: "webhook", events: ["deployment.succeeded", "build.failed"], url: `${base}${path}`, ...over });
  expect(saved.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  secrets.set(path, saved.signingSecret!);
  return { id: saved.id, secret: saved.signingSecret!, path };
}

const event = (over: Partial<EventInput> = {}): EventInput => ({
  event: "deployment.succeeded",
  app: "tarides",
  repository: { name: "acme/site", url: "https://github.com/acme/site" },
  data: { url: "https://slipway.example.org/deployments/d1", target: { id: "t1", name: "www-live" }, branch: "live", commit: { sha: "a".repeat(40), message: "Ship it", url: null }, deployment: { id: "d1", state: "succeeded" } },
  ...over,
});

const delivery = (id: string) => getDb().notificationDelivery.findUniqueOrThrow({ where: { id } });
const jobRunAt = async (id: string) =>
  (
    await getDb().$queryRaw<{ run_at: Date }[]>`
    SELECT j.run_at FROM graphile_worker._private_jobs j WHERE j.key = ${`notification_delivery:${id}`}`
  )[0]?.run_at ?? null;

describe("outgoing webhooks", () => {
  test("a delivery is signed as documented, with the event and a delivery id, and its body is the envelope", async () => {
    const ch = await webhookChannel("signed");
    const [id] = await queueNotification(event(), "dep:d1:succeeded", { channelIds: [ch.id] });
    expect((await delivery(id!)).state).toBe("pending");
    const r = await attemptDelivery(id!, { log });
    expect(r?.state).toBe("delivered");
    const got = received.filter((x) => x.path === ch.path);
    expect(got).toHaveLength(1);
    expect(got[0]!.verified).toBe(true);
    expect(got[0]!.headers["slipway-event"]).toBe("deployment.succeeded");
    expect(got[0]!.headers["slipway-delivery"]).toBe(id);
    const body = JSON.parse(got[0]!.body);
    expect(body).toMatchObject({ version: 1, event: "deployment.succeeded", app: { name: "tarides" }, repository: { name: "acme/site" }, data: { target: { name: "www-live" }, branch: "live" } });
    expect(body.id).toMatch(/^evt_/);
    // a wrong secret or an old timestamp does not verify
    expect(verify("whsec_other", got[0]!.headers["slipway-signature"] as string, got[0]!.body, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verify(ch.secret, got[0]!.headers["slipway-signature"] as string, got[0]!.body, Math.floor(Date.now() / 1000) + 600)).toBe(false);
    expect((await delivery(id!)).deliveredAt).not.toBeNull();
    // the same event queued again (a job that ran twice) makes no second delivery
    expect(await queueNotification(event(), "dep:d1:succeeded", { channelIds: [ch.id] })).toEqual([]);
  });

  test("500 then 200: retried after 10 s, then delivered under the same delivery id", async () => {
    const ch = await webhookChannel("flaky");
    script.set(ch.path, [500, 200]);
    const t0 = new Date();
    receiverNow = () => Math.floor(Date.now() / 1000);
    const [id] = await queueNotification(event(), null, { channelIds: [ch.id], now: t0 });
    const first = await attemptDelivery(id!, { log, now: t0 });
    expect(first?.state).toBe("pending");
    expect(first?.outcome.status).toBe(500);
    const next = new Date(t0.getTime() + RETRY_BACKOFF_MS[0]);
    expect((await delivery(id!)).nextAttemptAt).toEqual(next);
    expect((await delivery(id!)).lastError).toMatch(/answered HTTP 500.*Slipway will try again/);
    expect(await jobRunAt(id!)).toEqual(next);
    // not due before then
    expect(await attemptDelivery(id!, { log, now: new Date(t0.getTime() + 5_000) })).toBeNull();
    receiverNow = () => Math.floor(next.getTime() / 1000);
    const second = await attemptDelivery(id!, { log, now: next });
    expect(second?.state).toBe("delivered");
    const d = await delivery(id!);
    expect(d).toMatchObject({ state: "delivered", attempts: 2, lastStatus: 200, lastError: null });
    const got = received.filter((x) => x.path === ch.path);
    expect(got.map((g) => g.headers["slipway-delivery"])).toEqual([id, id]);
    expect(got.every((g) => g.verified)).toBe(true);
    receiverNow = () => Math.floor(Date.now() / 1000);
  });

  test("always 503: the backoff is 10 s, 1 min, 5 min, 30 min, 2 h, then the delivery fails", async () => {
    const ch = await webhookChannel("down");
    script.set(ch.path, [503]);
    let now = new Date();
    const [id] = await queueNotification(event(), null, { channelIds: [ch.id], now });
    const waits: number[] = [];
    for (;;) {
      receiverNow = () => Math.floor(now.getTime() / 1000);
      const r = await attemptDelivery(id!, { log, now });
      if (r!.state !== "pending") break;
      waits.push(r!.nextAttemptAt!.getTime() - now.getTime());
      now = r!.nextAttemptAt!;
    }
    receiverNow = () => Math.floor(Date.now() / 1000);
    expect(waits).toEqual([...RETRY_BACKOFF_MS]);
    const d = await delivery(id!);
    expect(d).toMatchObject({ state: "failed", attempts: 6, lastStatus: 503 });
    expect(d.lastError).toMatch(/Gave up after 6 attempts/);
  });

  test("410 and 400 fail at once, saying so; redeliver sends again under the same id and is audited", async () => {
    for (const status of [410, 400]) {
      const ch = await webhookChannel(`gone${status}`);
      script.set(ch.path, [status, 200]);
      const [id] = await queueNotification(event(), null, { channelIds: [ch.id] });
      const r = await attemptDelivery(id!, { log });
      expect(r?.state).toBe("failed");
      const d = await delivery(id!);
      expect(d).toMatchObject({ state: "failed", attempts: 1, lastStatus: status, nextAttemptAt: null });
      expect(d.lastError).toMatch(new RegExp(`refused the event with HTTP ${status}.*Not retried`));
      expect(await jobRunAt(id!)).not.toBeNull(); // only the first job, at creation; no retry was scheduled later than it
      const admin = await createUser("admin");
      const again = await redeliver(actorFor(admin), { delivery_id: id }, log);
      expect(again.result?.state).toBe("delivered");
      expect(await delivery(id!)).toMatchObject({ state: "delivered", attempts: 2 });
      const got = received.filter((x) => x.path === ch.path);
      expect(got.map((g) => g.headers["slipway-delivery"])).toEqual([id, id]);
      const audit = await getDb().auditEvent.findMany({ where: { action: "notification.redelivered", subjectId: ch.id } });
      expect(audit).toHaveLength(1);
    }
  });

  test("a channel hears only its apps and repositories; host.key_changed reaches every channel subscribed to it", async () => {
    const only = await webhookChannel("only-site", { repositories: "acme/site", events: ["deployment.succeeded", "host.key_changed"] });
    const appOnly = await webhookChannel("only-mirage", { apps: ["mirage"], events: ["deployment.succeeded", "host.key_changed"] });
    const forSite = await queueNotification(event(), null);
    const forOther = await queueNotification(event({ repository: { name: "acme/other", url: "https://github.com/acme/other" } }), null);
    const channelsOf = async (ids: string[]) => (await getDb().notificationDelivery.findMany({ where: { id: { in: ids } }, select: { channelId: true } })).map((d) => d.channelId);
    expect(await channelsOf(forSite)).toContain(only.id);
    expect(await channelsOf(forSite)).not.toContain(appOnly.id);
    expect(await channelsOf(forOther)).not.toContain(only.id);
    const mirage = await queueNotification(event({ app: "mirage", repository: { name: "mirage/www", url: "https://github.com/mirage/www" } }), null);
    expect(await channelsOf(mirage)).toContain(appOnly.id);
    expect(await channelsOf(mirage)).not.toContain(only.id);
    const host = await queueNotification(event({ event: "host.key_changed", app: null, repository: null }), null);
    expect(await channelsOf(host)).toEqual(expect.arrayContaining([only.id, appOnly.id]));
  });

  test("rotate: the new secret signs, the old one no longer verifies; no secret or URL credential in the log", async () => {
    const ch = await webhookChannel("rotated");
    const admin = await createUser("admin");
    const { result } = await rotateSigningSecret(actorFor(admin), { channel_id: ch.id });
    expect(result.secret).not.toBe(ch.secret);
    const [id] = await queueNotification(event(), null, { channelIds: [ch.id] });
    await attemptDelivery(id!, { log });
    const got = received.filter((x) => x.path === ch.path).at(-1)!;
    expect(verify(result.secret, got.headers["slipway-signature"] as string, got.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verify(ch.secret, got.headers["slipway-signature"] as string, got.body, Math.floor(Date.now() / 1000))).toBe(false);
    const all = lines.join("");
    expect(all).toContain("notification delivered");
    for (const s of secrets.values()) expect(all).not.toContain(s);
    expect(all).not.toContain("url-credential-");
    const audit = await getDb().auditEvent.findMany({ where: { subjectId: ch.id }, select: { action: true, summary: true, before: true, after: true } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["notification_channel.created", "notification_channel.secret_set", "notification_channel.secret_rotated"]));
    expect(JSON.stringify(audit)).not.toContain(result.secret);
  });

  test("slipway.yml: a webhook channel's kind and filters are exported, never its secret; import makes a secret when missing", async () => {
    const admin = await createUser("admin");
    const ch = await webhookChannel("exported", { apps: [], repositories: "acme/site\nacme/api" });
    const yaml = await exportInventory(actorFor(admin));
    expect(yaml).toMatch(/name: exported\n\s+kind: webhook/);
    expect(yaml).toContain("- acme/api");
    expect(yaml).not.toContain(ch.secret);
    expect(yaml).not.toContain("url-credential-");
    const withNew = yaml.replace("notifications:\n", "notifications:\n  - name: imported-hook\n    kind: webhook\n    events: [build.failed]\n    repositories: [acme/site]\n");
    await importInventory(actorFor(admin), withNew);
    const row = await getDb().notificationChannel.findUniqueOrThrow({ where: { name: "imported-hook" } });
    expect(row).toMatchObject({ kind: "webhook", repositories: ["acme/site"], apps: [] });
    expect(await revealSecret(row.signingSecretId!)).toMatch(/^whsec_/);
    // the exported channel kept its secret through the import
    expect(await revealSecret((await getDb().notificationChannel.findUniqueOrThrow({ where: { id: ch.id } })).signingSecretId!)).toBe(ch.secret);
  });

  test("host.key_changed: the SSH verifier reports a key that is not pinned, and the host's channels hear it once per key", async () => {
    /** a fresh ed25519 host key blob */
    const blob = () => {
      const der = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
      const raw = der.subarray(der.length - 32);
      const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
      return Buffer.concat([str(Buffer.from("ssh-ed25519")), str(raw)]);
    };
    const fp = (b: Buffer) => `SHA256:${createHash("sha256").update(b).digest("base64").replace(/=+$/, "")}`;
    const pinned = blob();
    const presented = blob();
    const seen: HostKeyRefusal[] = [];
    const stop = onHostKeyRefused((r) => seen.push(r));
    const { config } = sshConnectConfig({ address: "10.9.9.9", port: 2222, user: "root", privateKey: "unused", pinnedKeys: [{ algorithm: "ssh-ed25519", publicKey: pinned.toString("base64"), fingerprintSha256: fp(pinned) }] });
    const verifier = config.hostVerifier as (key: Buffer) => boolean;
    expect(verifier(pinned)).toBe(true);
    expect(verifier(presented)).toBe(false);
    stop();
    expect(seen).toEqual([{ address: "10.9.9.9", port: 2222, presented: { algorithm: "ssh-ed25519", fingerprintSha256: fp(presented) }, pinned: [fp(pinned)] }]);

    const host = await getDb().host.create({ data: { name: "rekeyed", address: "10.9.9.9", port: 2222 } });
    const ch = await webhookChannel("hostkeys", { events: ["host.key_changed"], repositories: "acme/site" });
    expect(await notifyHostKeyChanged(seen[0]!, log)).toBeGreaterThanOrEqual(1);
    // the same key again says nothing new
    expect(await notifyHostKeyChanged(seen[0]!, log)).toBe(0);
    const got = received.filter((x) => x.path === ch.path);
    expect(got).toHaveLength(1);
    expect(got[0]!.verified).toBe(true);
    expect(JSON.parse(got[0]!.body)).toMatchObject({
      event: "host.key_changed",
      app: null,
      repository: null,
      data: { host: { id: host.id, name: "rekeyed", address: "10.9.9.9", port: 2222, presented: { fingerprint_sha256: fp(presented) }, pinned: [fp(pinned)] } },
    });
  });

  test("pruning deletes ended deliveries past the retention, never pending ones", async () => {
    const ch = await webhookChannel("pruned");
    script.set(ch.path, [500]);
    const old = new Date(Date.now() - 20 * 86_400_000);
    const [done] = await queueNotification(event(), null, { channelIds: [ch.id], now: old });
    const [waiting] = await queueNotification(event(), null, { channelIds: [ch.id], now: old });
    await getDb().notificationDelivery.update({ where: { id: done! }, data: { state: "delivered" } });
    expect(await pruneNotificationDeliveries(new Date(), 14)).toBeGreaterThanOrEqual(1);
    expect(await getDb().notificationDelivery.findUnique({ where: { id: done! } })).toBeNull();
    expect(await getDb().notificationDelivery.findUnique({ where: { id: waiting! } })).not.toBeNull();
  });
});
