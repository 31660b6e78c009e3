// Regression test for `unknown-delivery` (issue 13, item 17): a signature header is accepted only in its
// exact form "sha256=<64 hex digits>". Node's Buffer.from(hex) stops at the first non-hex character, so a
// valid digest followed by trailing bytes once passed. Unknown apps and retention are covered by
// test/security.webhook-ingestion.test.ts.
import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { verifyGithubSignature } from "@/lib/github/webhook-verify";

const SECRET = "whsec-unknown-delivery-0123";
const body = new TextEncoder().encode(JSON.stringify({ zen: "Keep it logically awesome." }));
const digest = createHmac("sha256", SECRET).update(body).digest("hex");

describe("unknown-delivery: the signature header is compared at its exact length", () => {
  test("the exact signature passes, in either case of hex digits", () => {
    expect(verifyGithubSignature(SECRET, body, `sha256=${digest}`)).toBe(true);
    expect(verifyGithubSignature(SECRET, body, `sha256=${digest.toUpperCase()}`)).toBe(true);
  });

  test.each([
    ["trailing letters", `sha256=${digest}zz`],
    ["a trailing space", `sha256=${digest} `],
    ["a trailing newline", `sha256=${digest}\n`],
    ["trailing hex digits", `sha256=${digest}00`],
    ["a leading space", ` sha256=${digest}`],
    ["a space after the prefix", `sha256= ${digest}`],
    ["an odd-length digest", `sha256=${digest.slice(0, 63)}`],
    ["a truncated digest", `sha256=${digest.slice(0, 62)}`],
    ["another algorithm's prefix", `sha1=${digest}`],
    ["no prefix", digest],
    ["an empty header", ""],
  ])("refuses %s", (_name, header) => {
    expect(verifyGithubSignature(SECRET, body, header)).toBe(false);
  });

  test("a wrong digest of the right form is refused", () => {
    const wrong = createHmac("sha256", "other").update(body).digest("hex");
    expect(verifyGithubSignature(SECRET, body, `sha256=${wrong}`)).toBe(false);
  });
});
