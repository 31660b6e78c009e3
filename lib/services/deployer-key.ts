// Slipway's own SSH identity: an ed25519 key pair generated on first start. The private half is sealed at
// rest (lib/crypto/seal.ts) and unsealed only by the code that connects; the public half is shown for
// authorized_keys. Rotation retires the old key (kept for the record) and is audited.
import os from "node:os";
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { systemActor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { seal, unseal } from "@/lib/crypto/seal";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";

const DEPLOYER_KEY_LOCK = 7_341_120_004;

function aad(id: string): string {
  return `deployer-key:${id}`;
}

function comment(): string {
  const host = (process.env.SLIPWAY_URL ? new URL(process.env.SLIPWAY_URL).hostname : os.hostname()) || "localhost";
  return `slipway@${host}`.replace(/[^\x21-\x7e]/g, "");
}

async function createKey(tx: Tx, createdById: string | null): Promise<{ id: string; publicKey: string; fingerprintSha256: string }> {
  const pair = generateDeployerKeyPair(comment());
  // The row id is part of the seal's AAD, so the row is created first with a placeholder, then sealed.
  const row = await tx.deployerKey.create({
    data: { publicKey: pair.publicKey, fingerprintSha256: pair.fingerprintSha256, privateKeyEncrypted: new Uint8Array(0), createdById },
  });
  await tx.deployerKey.update({ where: { id: row.id }, data: { privateKeyEncrypted: new Uint8Array(seal(pair.privateKey, aad(row.id))) } });
  return { id: row.id, publicKey: pair.publicKey, fingerprintSha256: pair.fingerprintSha256 };
}

/** The active deployer key, generated (and audited) when there is none. Safe to call from many processes. */
export async function ensureDeployerKey(): Promise<{ publicKey: string; fingerprintSha256: string }> {
  const existing = await getDb().deployerKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" } });
  if (existing) return existing;
  return getDb().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DEPLOYER_KEY_LOCK}::bigint)`;
    const again = await tx.deployerKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" } });
    if (again) return again;
    const key = await createKey(tx, null);
    await recordAudit(tx, {
      actor: systemActor("first start"),
      action: "deployer_key.created",
      subjectType: "deployer_key",
      subjectId: key.id,
      summary: `deployer key generated: ${key.fingerprintSha256}`,
      after: { publicKey: key.publicKey, fingerprintSha256: key.fingerprintSha256 },
    });
    return key;
  });
}

/** A new key pair replaces the active one; the old one is retired. Hosts need the new public key. */
export async function rotateDeployerKey(actor: Actor): Promise<{ publicKey: string; fingerprintSha256: string }> {
  authorize(actor, "inventory.edit");
  return getDb().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DEPLOYER_KEY_LOCK}::bigint)`;
    const old = await tx.deployerKey.findMany({ where: { retiredAt: null } });
    await tx.deployerKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: new Date() } });
    const userId = actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
    const key = await createKey(tx, userId);
    await recordAudit(tx, {
      actor,
      action: "deployer_key.rotated",
      subjectType: "deployer_key",
      subjectId: key.id,
      summary: `deployer key rotated: ${old.map((k) => k.fingerprintSha256).join(", ") || "none"} → ${key.fingerprintSha256}; install the new public key on every host`,
      before: old.length ? { fingerprintSha256: old.map((k) => k.fingerprintSha256) } : undefined,
      after: { publicKey: key.publicKey, fingerprintSha256: key.fingerprintSha256 },
    });
    return key;
  });
}

/** The private key to connect with (for adapters only: never for a page, a log or an error). */
export async function deployerCredentials(): Promise<{ privateKey: string; publicKey: string; fingerprintSha256: string }> {
  await ensureDeployerKey();
  const row = await getDb().deployerKey.findFirstOrThrow({ where: { retiredAt: null }, orderBy: { createdAt: "desc" } });
  return { privateKey: unseal(row.privateKeyEncrypted, aad(row.id)), publicKey: row.publicKey, fingerprintSha256: row.fingerprintSha256 };
}
