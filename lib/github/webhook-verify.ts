// HMAC-SHA256 check of X-Hub-Signature-256 over the raw request bytes, in constant time.
import { createHmac, timingSafeEqual } from "node:crypto";

export function verifyGithubSignature(secret: string, body: Uint8Array, header: string | null): boolean {
  if (!header || !header.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
