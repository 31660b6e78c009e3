// Secrets at rest: round trip, no plaintext in the sealed bytes, bound to their row, and a wrong key refused.
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { seal, unseal, SealError } from "@/lib/crypto/seal";

describe("seal", () => {
  const key = randomBytes(32).toString("hex");
  process.env.SLIPWAY_SECRET_KEY = key;

  it("round-trips and never contains the plaintext", () => {
    const secret = "hunter2-registry-password-ünïcode";
    const sealed = seal(secret, "secret:global:registry");
    expect(sealed.includes(Buffer.from(secret))).toBe(false);
    expect(sealed.includes(Buffer.from("hunter2"))).toBe(false);
    expect(unseal(sealed, "secret:global:registry")).toBe(secret);
    // a fresh IV each time
    expect(seal(secret, "x").equals(seal(secret, "x"))).toBe(false);
  });

  it("refuses a value moved to another row, altered, or read with another key", () => {
    const sealed = seal("value", "secret:global:a");
    expect(() => unseal(sealed, "secret:global:b")).toThrow(SealError);
    const altered = Buffer.from(sealed);
    altered[20] = altered[20]! ^ 1;
    expect(() => unseal(altered, "secret:global:a")).toThrow(/altered/);
    process.env.SLIPWAY_SECRET_KEY = randomBytes(32).toString("hex");
    try {
      expect(() => unseal(sealed, "secret:global:a")).toThrow(/SLIPWAY_SECRET_KEY differs/);
    } finally {
      process.env.SLIPWAY_SECRET_KEY = key;
    }
    expect(() => unseal(Buffer.from([9, 1, 2]), "x")).toThrow(/format/);
  });
});
