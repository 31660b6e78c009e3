// Host keys and connection checks: scan a host's SSH keys, pin the ones an admin accepts (from a scan or
// pasted known_hosts lines), remove a pin, and test a login with the deployer key against the pins.
// Scans and tests reach the host from the web process with a bounded timeout; they change only the pins
// (admins) and the host's last check result, each with an audit event.
import { z } from "zod";
import { getDb, type Tx } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { CommandError, NotFoundError, ValidationError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { bool } from "@/lib/validation/inventory-fields";
import { rowId } from "@/lib/validation/ids";
import { lockInventory } from "@/lib/services/inventory/state";
import { deployerCredentials } from "@/lib/services/deployer-key";
import { parseKnownHosts } from "@/lib/ssh/known-hosts";
import { checkPublicKey, fingerprintSha256, KeyFormatError } from "@/lib/ssh/keys";
import { scanHostKeys } from "@/lib/ssh/scan";
import { checkHostConnection, describeHostCheck, type HostCheckResult } from "@/lib/ssh/connect";
import { SshError } from "@/lib/ssh/errors";

/** Interactive checks answer within this; the browser waits for them. */
export const CHECK_TIMEOUT_MS = 10_000;

const hostId = rowId;

class RemoteCheckError extends CommandError {
  override readonly status = 502;
  override readonly code = "remote_failed";
}

async function hostOrThrow(id: string) {
  const host = await getDb().host.findUnique({ where: { id }, include: { keys: { orderBy: { acceptedAt: "asc" } } } });
  if (!host) throw new NotFoundError("That host does not exist any more; reload the page.");
  return host;
}

export interface ScannedKeyView {
  algorithm: string;
  publicKey: string;
  fingerprintSha256: string;
  pinned: boolean;
}

export interface ScanView {
  host: string;
  keys: ScannedKeyView[];
  /** keys pinned for the host that it did not present: accepting the scanned keys retires them */
  notPresented: { algorithm: string; fingerprintSha256: string }[];
}

/** The host keys the host presents now, marked when already pinned, and the pinned keys it no longer presents. Changes nothing. */
export async function scanHost(actor: Actor, raw: unknown, signal?: AbortSignal): Promise<ScanView> {
  authorize(actor, "inventory.edit");
  const { host_id } = parseInput(z.object({ host_id: hostId }), raw);
  const host = await hostOrThrow(host_id);
  try {
    const keys = await scanHostKeys({ address: host.address, port: host.port, timeoutMs: CHECK_TIMEOUT_MS, signal });
    const pinned = new Set(host.keys.map((k) => k.fingerprintSha256));
    const presented = new Set(keys.map((k) => k.fingerprintSha256));
    return {
      host: host.name,
      keys: keys.map((k) => ({ ...k, pinned: pinned.has(k.fingerprintSha256) })),
      notPresented: host.keys.filter((k) => !presented.has(k.fingerprintSha256)).map((k) => ({ algorithm: k.algorithm, fingerprintSha256: k.fingerprintSha256 })),
    };
  } catch (err) {
    if (err instanceof SshError) throw new RemoteCheckError(`Scanning ${host.name}: ${err.message}`);
    throw err;
  }
}

const pinInput = z.object({
  host_id: hostId,
  /** "algorithm base64" of keys ticked after a scan */
  keys: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().trim().min(1).max(16384)).max(20)),
  /** pasted known_hosts lines (ssh-keyscan output, hashed or not) */
  known_hosts: z.string().max(65536, "is too long").optional(),
  /** keep the keys pinned now next to the accepted ones; without it the accepted keys replace them */
  keep_existing: bool,
});

export interface PinResult {
  /** fingerprints newly pinned */
  pinned: string[];
  /** fingerprints that were pinned and no longer are (replaced by the accepted keys) */
  retired: string[];
}

/**
 * Pins keys: ticked from a scan and/or pasted as known_hosts lines. Every line must be valid. The accepted keys
 * become the host's pinned keys: keys pinned before and not among them are retired (a rotated host key stops
 * being trusted), each retirement audited with the old and the new fingerprints. `keep_existing` keeps them
 * instead. When the pins change, the host's last Test result (and its docker contexts') is cleared: it was
 * about keys that are no longer the ones checked.
 */
export async function pinHostKeys(actor: Actor, raw: unknown): Promise<PinResult> {
  authorize(actor, "inventory.edit");
  const input = parseInput(pinInput, raw);
  const host = await hostOrThrow(input.host_id);
  const candidates = new Map<string, { algorithm: string; publicKey: string }>();
  const issues: { path: string; message: string }[] = [];
  input.keys.forEach((line, i) => {
    const [algorithm = "", publicKey = ""] = line.split(/\s+/);
    try {
      const k = checkPublicKey(algorithm, publicKey);
      candidates.set(fingerprintSha256(k.blob), { algorithm: k.algorithm, publicKey });
    } catch (err) {
      if (!(err instanceof KeyFormatError)) throw err;
      issues.push({ path: `keys[${i}]`, message: err.message });
    }
  });
  if (input.known_hosts?.trim()) {
    const parsed = parseKnownHosts(input.known_hosts, { address: host.address, port: host.port });
    for (const e of parsed.errors) issues.push({ path: "known_hosts", message: `line ${e.line}: ${e.message.replace(/^line \d+:?\s*/, "")}` });
    for (const k of parsed.keys) candidates.set(k.fingerprintSha256, { algorithm: k.algorithm, publicKey: k.publicKey });
  }
  if (issues.length) throw new ValidationError(issues);
  if (candidates.size === 0) throw new ValidationError([{ path: "keys", message: "tick at least one scanned key, or paste known_hosts lines" }]);
  const userId = actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
  return getDb().$transaction(async (tx) => {
    await lockInventory(tx);
    const have = await tx.hostKey.findMany({ where: { hostId: host.id }, orderBy: { acceptedAt: "asc" } });
    const haveFps = new Set(have.map((k) => k.fingerprintSha256));
    const added: string[] = [];
    for (const [fp, k] of candidates) {
      if (haveFps.has(fp)) continue;
      await tx.hostKey.create({ data: { hostId: host.id, algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: fp, acceptedById: userId } });
      await recordAudit(tx, {
        actor,
        action: "host.key_pinned",
        subjectType: "host",
        subjectId: host.id,
        summary: `host ${host.name}: ${k.algorithm} key ${fp} accepted${input.keep_existing && have.length ? " (the keys accepted before are kept)" : ""}`,
        after: { algorithm: k.algorithm, fingerprintSha256: fp },
      });
      added.push(fp);
    }
    const retired: string[] = [];
    if (!input.keep_existing) {
      const accepted = [...candidates.keys()];
      for (const old of have) {
        if (candidates.has(old.fingerprintSha256)) continue;
        await tx.hostKey.delete({ where: { id: old.id } });
        await recordAudit(tx, {
          actor,
          action: "host.key_retired",
          subjectType: "host",
          subjectId: host.id,
          summary: `host ${host.name}: ${old.algorithm} key ${old.fingerprintSha256} retired, replaced by ${accepted.join(", ")}`,
          before: { algorithm: old.algorithm, fingerprintSha256: old.fingerprintSha256 },
          after: { fingerprintsSha256: accepted },
        });
        retired.push(old.fingerprintSha256);
      }
    }
    if (added.length || retired.length) await clearCheckResults(tx, host.id);
    return { pinned: added, retired };
  });
}

/** The last Test of the host and of the docker contexts through it spoke of other pins: forget it. */
async function clearCheckResults(tx: Tx, hostId: string): Promise<void> {
  await tx.host.update({ where: { id: hostId }, data: { lastCheckedAt: null, lastCheckResult: null } });
  await tx.dockerContext.updateMany({ where: { hostId }, data: { lastCheckedAt: null, lastCheckResult: Prisma.DbNull } });
}

export async function removeHostKey(actor: Actor, raw: unknown): Promise<{ removed: string }> {
  authorize(actor, "inventory.edit");
  const input = parseInput(z.object({ host_id: hostId, key_id: rowId }), raw);
  return getDb().$transaction(async (tx) => {
    await lockInventory(tx);
    const key = await tx.hostKey.findFirst({ where: { id: input.key_id, hostId: input.host_id }, include: { host: true } });
    if (!key) throw new NotFoundError("That pinned key does not exist any more; reload the page.");
    await tx.hostKey.delete({ where: { id: key.id } });
    await clearCheckResults(tx, key.hostId);
    await recordAudit(tx, {
      actor,
      action: "host.key_removed",
      subjectType: "host",
      subjectId: key.hostId,
      summary: `host ${key.host.name}: ${key.algorithm} key ${key.fingerprintSha256} removed`,
      before: { algorithm: key.algorithm, fingerprintSha256: key.fingerprintSha256 },
    });
    return { removed: key.fingerprintSha256 };
  });
}

/** Logs in with the deployer key against the pinned keys; the result is stored on the host and audited. */
export async function testHost(actor: Actor, raw: unknown, signal?: AbortSignal): Promise<{ status: HostCheckResult["status"]; message: string }> {
  authorize(actor, "inventory.test");
  const { host_id } = parseInput(z.object({ host_id: hostId }), raw);
  const host = await hostOrThrow(host_id);
  const creds = await deployerCredentials();
  let result: HostCheckResult;
  try {
    result = await checkHostConnection({
      address: host.address,
      port: host.port,
      user: host.user,
      pinnedKeys: host.keys.map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: k.fingerprintSha256 })),
      privateKey: creds.privateKey,
      deployerPublicKey: creds.publicKey,
      timeoutMs: CHECK_TIMEOUT_MS,
      signal,
    });
  } catch (err) {
    if (err instanceof SshError) throw new RemoteCheckError(`Testing ${host.name}: ${err.message}`);
    throw err;
  }
  const message = describeHostCheck(host.name, result);
  await getDb().$transaction(async (tx) => {
    await tx.host.update({ where: { id: host.id }, data: { lastCheckedAt: new Date(), lastCheckResult: message } });
    await recordAudit(tx, { actor, action: "host.checked", subjectType: "host", subjectId: host.id, summary: message, after: { status: result.status } });
  });
  return { status: result.status, message };
}
