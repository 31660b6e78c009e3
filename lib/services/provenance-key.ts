// Slipway's provenance signing key: an ECDSA P-256 key pair generated on first need, like the deployer key
// (lib/services/deployer-key.ts). The private half is sealed at rest (lib/crypto/seal.ts) and unsealed only
// by the build engine that signs a release's provenance; the public half (SPKI PEM) is shown under
// Settings → Provenance key and checks every release before it is deployed.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { getDb, type Tx } from "@/lib/db";
import { systemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { seal, unseal } from "@/lib/crypto/seal";
import { keyIdOf } from "@/lib/provenance/dsse";

const PROVENANCE_KEY_LOCK = 7_341_120_016;

function aad(id: string): string {
  return `provenance-key:${id}`;
}

export interface ProvenancePublicKey {
  id: string;
  keyId: string;
  publicKeyPem: string;
  createdAt: Date;
}

async function createKey(tx: Tx): Promise<ProvenancePublicKey> {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
  const keyId = keyIdOf(pair.publicKey);
  // the row id is part of the seal's AAD: the row is created first with a placeholder, then sealed
  const row = await tx.provenanceKey.create({ data: { keyId, publicKeyPem, privateKeyEncrypted: new Uint8Array(0) } });
  const pem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  await tx.provenanceKey.update({ where: { id: row.id }, data: { privateKeyEncrypted: new Uint8Array(seal(pem, aad(row.id))) } });
  return { id: row.id, keyId, publicKeyPem, createdAt: row.createdAt };
}

const publicSelect = { id: true, keyId: true, publicKeyPem: true, createdAt: true } as const;

/** The active provenance key, generated (and audited) when there is none. Safe to call from many processes. */
export async function ensureProvenanceKey(reason = "first signed release"): Promise<ProvenancePublicKey> {
  const existing = await getDb().provenanceKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" }, select: publicSelect });
  if (existing) return existing;
  return getDb().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PROVENANCE_KEY_LOCK}::bigint)`;
    const again = await tx.provenanceKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" }, select: publicSelect });
    if (again) return again;
    const key = await createKey(tx);
    await recordAudit(tx, {
      actor: systemActor(reason),
      action: "provenance_key.created",
      subjectType: "provenance_key",
      subjectId: key.id,
      summary: `provenance signing key generated: key id ${key.keyId}`,
      after: { keyId: key.keyId, publicKeyPem: key.publicKeyPem },
    });
    return key;
  });
}

/** The key that signs (for the build engine only: never for a page, a log or an error). */
export async function provenanceSigningKey(): Promise<{ keyId: string; privateKey: KeyObject }> {
  const active = await ensureProvenanceKey();
  const row = await getDb().provenanceKey.findUniqueOrThrow({ where: { id: active.id } });
  return { keyId: row.keyId, privateKey: createPrivateKey(unseal(row.privateKeyEncrypted, aad(row.id))) };
}

/** Every public key Slipway signed with, by key id: what a release's attestation is checked against. */
export async function provenanceVerifyKeys(): Promise<Map<string, KeyObject>> {
  const rows = await getDb().provenanceKey.findMany({ select: { keyId: true, publicKeyPem: true } });
  return new Map(rows.map((r) => [r.keyId, createPublicKey(r.publicKeyPem)]));
}
