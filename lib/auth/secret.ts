// Keys derived from SLIPWAY_SECRET_KEY, one per purpose, so one secret configures Slipway.
import { hkdfSync, randomBytes } from "node:crypto";
import { decodeKey } from "@/lib/env";

let ephemeral: Buffer | undefined;

/** The master key, or (outside production, when unset) a random one for this process. */
export function masterKey(): Buffer {
  const raw = process.env.SLIPWAY_SECRET_KEY;
  const key = raw ? decodeKey(raw.trim()) : null;
  if (key) return key;
  if (process.env.NODE_ENV === "production") {
    throw new Error("SLIPWAY_SECRET_KEY is not set; it is required in production (generate one: openssl rand -hex 32)");
  }
  ephemeral ??= randomBytes(32);
  return ephemeral;
}

export function deriveKey(purpose: string, length = 32): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey(), Buffer.alloc(0), `slipway:${purpose}`, length));
}
