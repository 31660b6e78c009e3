// HMAC-SHA256 check of X-Hub-Signature-256 over the raw request bytes, in constant time.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Exactly "sha256=" and 64 hex digits: nothing before, nothing after (Buffer.from(hex) would stop at junk). */
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

export function verifyGithubSignature(secret: string, body: Uint8Array, header: string | null): boolean {
  const m = header ? SIGNATURE.exec(header) : null;
  if (!m) return false;
  const given = Buffer.from(m[1]!, "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
