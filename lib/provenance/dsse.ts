// DSSE v1 (github.com/secure-systems-lab/dsse, envelope.md and protocol.md) with ECDSA P-256 + SHA-256:
// the pre-authentication encoding that is signed, an envelope's signing, and its checking against public
// keys. Pure: keys come in as node:crypto KeyObjects, nothing is read or logged here.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { z } from "zod";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface DsseSignature {
  keyid: string;
  sig: string;
}
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "is not base64");
export const dsseEnvelopeSchema = z.object({
  payloadType: z.string().min(1).max(200),
  payload: base64.max(4 * 1024 * 1024),
  signatures: z.array(z.object({ keyid: z.string().max(200).default(""), sig: base64.min(1).max(2048) })).min(1).max(16),
});

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN the byte length in ASCII decimal
 * without leading zeros: what is signed, so the payload type cannot be swapped under a signature.
 */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** The key id Slipway gives a public key: sha256 (hex) of its DER SubjectPublicKeyInfo. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex");
}

/** Signs `body` as a DSSE envelope: ECDSA P-256 over SHA-256 of its PAE, the signature DER-encoded, base64. */
export function signEnvelope(payloadType: string, body: Uint8Array, privateKey: KeyObject): DsseEnvelope {
  const publicKey = createPublicKey(privateKey);
  const sig = sign("sha256", pae(payloadType, body), { key: privateKey, dsaEncoding: "der" });
  return { payloadType, payload: Buffer.from(body).toString("base64"), signatures: [{ keyid: keyIdOf(publicKey), sig: sig.toString("base64") }] };
}

export type EnvelopeCheck =
  | { ok: true; keyId: string; payload: Buffer }
  | { ok: false; problem: "payload_type" | "not_signed_by_key" | "bad_signature"; message: string };

/**
 * Checks an envelope against Slipway's public keys (by key id): ok when one signature is a valid ECDSA
 * signature of the PAE by one of them. The payload is returned only then: nothing unsigned is read further.
 */
export function verifyEnvelope(envelope: DsseEnvelope, keys: ReadonlyMap<string, KeyObject>, payloadType = IN_TOTO_PAYLOAD_TYPE): EnvelopeCheck {
  if (envelope.payloadType !== payloadType) {
    return { ok: false, problem: "payload_type", message: `its payload type is ${JSON.stringify(envelope.payloadType.slice(0, 80))}, not ${payloadType}` };
  }
  const body = Buffer.from(envelope.payload, "base64");
  const data = pae(envelope.payloadType, body);
  let known = false;
  for (const s of envelope.signatures) {
    // a signature without a key id is tried with every key (DSSE makes the key id optional)
    const candidates = s.keyid ? [[s.keyid, keys.get(s.keyid)] as const] : [...keys.entries()];
    for (const [keyId, key] of candidates) {
      if (!key) continue;
      known = true;
      let good = false;
      try {
        good = verify("sha256", data, { key, dsaEncoding: "der" }, Buffer.from(s.sig, "base64"));
      } catch {
        good = false;
      }
      if (good) return { ok: true, keyId, payload: body };
    }
  }
  const ids = envelope.signatures.map((s) => s.keyid || "(none)").join(", ");
  return known
    ? { ok: false, problem: "bad_signature", message: `its signature by key ${ids} does not match its contents: the attestation was changed after it was signed` }
    : { ok: false, problem: "not_signed_by_key", message: `it is signed by key ${ids}, which is not Slipway's provenance key` };
}
