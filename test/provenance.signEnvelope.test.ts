// DSSE and the in-toto statement without a registry: the PAE bytes as the DSSE spec gives them, a sign/verify
// round trip with an ECDSA P-256 key (and what breaks it: an edited payload, another key, another payload
// type), the provenance key sealed at rest, and a statement for a build with secrets that holds none of them.
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, test } from "vitest";
import { IN_TOTO_PAYLOAD_TYPE, keyIdOf, pae, signEnvelope, verifyEnvelope } from "@/lib/provenance/dsse";
import { buildStatement, checkStatement, statementSchema, type ProvenanceInput } from "@/lib/provenance/statement";
import { attestationTag } from "@/lib/registry/attestation";
import { getDb } from "@/lib/db";
import { ensureProvenanceKey, provenanceSigningKey, provenanceVerifyKeys } from "@/lib/services/provenance-key";

const pair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

const input = (over: Partial<ProvenanceInput> = {}): ProvenanceInput => ({
  slipwayUrl: "https://slipway.example.org/",
  slipwayVersion: "1.2.3",
  buildId: "build-1",
  imageRepo: "127.0.0.1:5000/app",
  digest: `sha256:${"ab".repeat(32)}`,
  tag: "live",
  artifact: null,
  repository: { name: "org/app", url: "https://git.example.org/org/app.git" },
  ref: "refs/heads/live",
  commitSha: "c".repeat(40),
  rule: { name: "Dockerfile", kind: "docker", dockerfile: "Dockerfile", context: "", unikernelTarget: null },
  buildArgs: { MODE: "production" },
  buildSecretNames: [],
  secretValues: [],
  platforms: ["linux/amd64"],
  startedOn: new Date("2026-12-05T08:00:00Z"),
  finishedOn: new Date("2026-12-05T08:03:00Z"),
  ...over,
});

describe("pae", () => {
  test("is the DSSE spec's encoding: DSSEv1 SP len(type) SP type SP len(body) SP body", () => {
    // the example of the DSSE protocol document
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
    // lengths are bytes, not characters
    expect(pae("t", Buffer.from("é", "utf8")).toString("hex")).toBe(Buffer.concat([Buffer.from("DSSEv1 1 t 2 "), Buffer.from("é", "utf8")]).toString("hex"));
    expect(pae("", Buffer.alloc(0)).toString()).toBe("DSSEv1 0  0 ");
  });
});

describe("signEnvelope / verifyEnvelope", () => {
  const body = Buffer.from(JSON.stringify(buildStatement(input())));

  test("round trip: the envelope carries the payload in base64, a DER ECDSA signature over its PAE and the key id", () => {
    const k = pair();
    const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, body, k.privateKey);
    expect(env.payloadType).toBe("application/vnd.in-toto+json");
    expect(Buffer.from(env.payload, "base64").equals(body)).toBe(true);
    expect(env.signatures).toHaveLength(1);
    expect(env.signatures[0]!.keyid).toBe(keyIdOf(k.publicKey));
    const der = Buffer.from(env.signatures[0]!.sig, "base64");
    expect(der[0]).toBe(0x30); // an ASN.1 SEQUENCE (r, s), as openssl and cosign read it
    expect(verify("sha256", pae(IN_TOTO_PAYLOAD_TYPE, body), { key: k.publicKey, dsaEncoding: "der" }, der)).toBe(true);
    const checked = verifyEnvelope(env, new Map([[keyIdOf(k.publicKey), k.publicKey]]));
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.payload.equals(body)).toBe(true);
  });

  test("an edited payload, another key, a swapped payload type or a stripped key id are refused in words", () => {
    const k = pair();
    const keys = new Map([[keyIdOf(k.publicKey), k.publicKey]]);
    const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, body, k.privateKey);
    const edited = { ...env, payload: Buffer.from(body.toString().replace("production", "debug")).toString("base64") };
    expect(verifyEnvelope(edited, keys)).toMatchObject({ ok: false, problem: "bad_signature", message: expect.stringContaining("changed after it was signed") });
    const other = pair();
    const byOther = signEnvelope(IN_TOTO_PAYLOAD_TYPE, body, other.privateKey);
    expect(verifyEnvelope(byOther, keys)).toMatchObject({ ok: false, problem: "not_signed_by_key", message: expect.stringContaining("not Slipway's provenance key") });
    // another key that claims our key id
    const claimed = { ...byOther, signatures: [{ keyid: keyIdOf(k.publicKey), sig: byOther.signatures[0]!.sig }] };
    expect(verifyEnvelope(claimed, keys)).toMatchObject({ ok: false, problem: "bad_signature" });
    expect(verifyEnvelope({ ...env, payloadType: "text/plain" }, keys)).toMatchObject({ ok: false, problem: "payload_type" });
    // DSSE's key id is a hint: without it every key is tried
    expect(verifyEnvelope({ ...env, signatures: [{ keyid: "", sig: env.signatures[0]!.sig }] }, keys).ok).toBe(true);
  });
});

describe("buildStatement", () => {
  test("an in-toto Statement v1 with SLSA provenance v1: subject, source, rule, builder, times", () => {
    const s = buildStatement(input({ artifact: { path: "/unikernel.hvt", sha256: "e".repeat(64) } }));
    expect(statementSchema.parse(s)).toEqual(s);
    expect(s._type).toBe("https://in-toto.io/Statement/v1");
    expect(s.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(s.subject).toEqual([
      { name: "127.0.0.1:5000/app", digest: { sha256: "ab".repeat(32) } },
      { name: "127.0.0.1:5000/app/unikernel.hvt", digest: { sha256: "e".repeat(64) } },
    ]);
    expect(s.predicate.buildDefinition.buildType).toBe("https://slipway.example.org/provenance/build-type/v1");
    expect(s.predicate.buildDefinition.externalParameters).toMatchObject({ repository: "https://git.example.org/org/app.git", ref: "refs/heads/live", commit: "c".repeat(40), buildRule: { name: "Dockerfile", kind: "docker" }, platforms: ["linux/amd64"] });
    expect(s.predicate.buildDefinition.resolvedDependencies).toEqual([{ uri: "git+https://git.example.org/org/app.git@refs/heads/live", digest: { gitCommit: "c".repeat(40) } }]);
    expect(s.predicate.runDetails).toEqual({
      builder: { id: "https://slipway.example.org/builder", version: { slipway: "1.2.3" } },
      metadata: { invocationId: "build-1", startedOn: "2026-12-05T08:00:00.000Z", finishedOn: "2026-12-05T08:03:00.000Z" },
    });
  });

  test("a build with secrets: their names only, and no build argument that holds a secret's value", () => {
    const secret = "npm_Sup3rS3cretT0ken";
    const s = buildStatement(
      input({ buildArgs: { MODE: "production", TOKEN_ARG: secret, URL: `https://user:${secret}@registry.example.org` }, buildSecretNames: ["NPM_TOKEN"], secretValues: [secret, "registry-pass"] }),
    );
    const text = JSON.stringify(s);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("registry-pass");
    expect(s.predicate.buildDefinition.externalParameters).toMatchObject({ buildArgs: { MODE: "production" }, buildArgsWithheld: ["TOKEN_ARG", "URL"], buildSecrets: ["NPM_TOKEN"] });
  });

  test("checkStatement: the digest about to run must be a subject", () => {
    const payload = Buffer.from(JSON.stringify(buildStatement(input())));
    expect(checkStatement(payload, "127.0.0.1:5000/app", `sha256:${"ab".repeat(32)}`).ok).toBe(true);
    expect(checkStatement(payload, "127.0.0.1:5000/app", `sha256:${"cd".repeat(32)}`)).toMatchObject({ ok: false, message: expect.stringContaining("not for 127.0.0.1:5000/app@sha256:cdcd") });
    expect(checkStatement(Buffer.from("{"), "r", "sha256:x")).toMatchObject({ ok: false, message: "its signed payload is not JSON" });
    expect(checkStatement(Buffer.from('{"_type":"x"}'), "r", "sha256:x")).toMatchObject({ ok: false, message: expect.stringContaining("not an in-toto statement") });
  });

  test("cosign's attestation tag", () => {
    expect(attestationTag(`sha256:${"ab".repeat(32)}`)).toBe(`sha256-${"ab".repeat(32)}.att`);
    expect(() => attestationTag("sha512:00")).toThrow(/not a sha256 digest/);
  });
});

describe("the provenance key", () => {
  test("is made once, sealed at rest, audited, and its public half verifies what its private half signs", async () => {
    process.env.SLIPWAY_SECRET_KEY ??= "7".repeat(64);
    const [a, b] = await Promise.all([ensureProvenanceKey(), ensureProvenanceKey()]);
    expect(a.keyId).toBe(b.keyId);
    expect(await getDb().provenanceKey.count()).toBe(1);
    expect(a.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(keyIdOf(createPublicKey(a.publicKeyPem))).toBe(a.keyId);
    const row = await getDb().provenanceKey.findFirstOrThrow();
    expect(Buffer.from(row.privateKeyEncrypted).toString("latin1")).not.toContain("PRIVATE KEY");
    const signer = await provenanceSigningKey();
    const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from("{}"), signer.privateKey);
    expect(verifyEnvelope(env, await provenanceVerifyKeys())).toMatchObject({ ok: true, keyId: a.keyId });
    const audit = await getDb().auditEvent.findMany({ where: { action: "provenance_key.created" } });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify({ after: audit[0]!.after, summary: audit[0]!.summary })).not.toContain("PRIVATE");
  });
});
