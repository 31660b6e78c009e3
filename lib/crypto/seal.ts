// Secrets at rest: AES-256-GCM with a key derived from SLIPWAY_SECRET_KEY (lib/auth/secret.ts).
// Layout of a sealed value: version byte (1) | 12-byte IV | ciphertext | 16-byte tag. The AAD binds a value
// to what it belongs to (e.g. "secret:<scope_key>:<name>"), so a sealed value copied to another row fails.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { deriveKey } from "@/lib/auth/secret";

const VERSION = 1;

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealError";
  }
}

function key(): Buffer {
  return deriveKey("secrets-at-rest");
}

export function seal(plaintext: string, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]);
}

export function unseal(sealed: Uint8Array, aad: string): string {
  const buf = Buffer.from(sealed);
  if (buf.length < 1 + 12 + 16 || buf[0] !== VERSION) throw new SealError("the stored secret is not in a format this Slipway knows");
  const iv = buf.subarray(1, 13);
  const tag = buf.subarray(buf.length - 16);
  const body = buf.subarray(13, buf.length - 16);
  const decipher = createDecipheriv("aes-256-gcm", key(), iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new SealError("a stored secret cannot be decrypted: SLIPWAY_SECRET_KEY differs from the one it was saved with, or the value was altered");
  }
}
