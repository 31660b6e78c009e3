// Signed provenance end to end with real parts: a private dockerd (build host and swarm manager), a private
// registry and a git daemon. A real build (lib/build/runner.ts) signs its release and pushes the attestation
// as cosign does (sha256-<hex>.att); it is read back from the registry and checked independently (node:crypto
// and openssl). Then deployments (lib/deploy/runner.ts) of releases whose attestation was tampered with (the
// digest changed, another key, the predicate edited after signing, none at all) are refused with their reason
// and leave the service on its old image (`docker service inspect`); allow_unsigned lets a missing one through
// (audited, never a bad one); a rollback is verified too.
import { execFileSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { runBuild } from "@/lib/build/runner";
import { runDeployment } from "@/lib/deploy/runner";
import { buildNow } from "@/lib/services/builds/commands";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { rollbackTarget } from "@/lib/services/deployments/commands";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { provenanceSigningKey } from "@/lib/services/provenance-key";
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from "@/lib/provenance/dsse";
import { buildStatement, SLSA_PROVENANCE_V1, type ProvenanceInput } from "@/lib/provenance/statement";
import { pushAttestation } from "@/lib/registry/attestation";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const SECOND = 1_000_000_000;
const quiet = rootLog.child({ test: "deploy.provenance" });

let swarm: TestDockerd;
let registry: TestRegistry;
let daemon: GitDaemon;
let bare: BareRepo;
let admin: TestUser;
let busybox: string;
let repositoryId: string;
let buildRuleId: string;
let ruleId: string;
let targetId: string;
let serviceId: string;
let refId: string;
let liveSha: string;
const img: Record<"v0" | "v2" | "v3" | "v4" | "v5", AppImage> = {} as Record<"v0" | "v2" | "v3" | "v4" | "v5", AppImage>;
const SERVICE = "prov-web";
let imageRepo: string;
/** the release the real build made and signed, deployed first */
let signed: { releaseId: string; digest: string; ref: string };

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  process.env.SLIPWAY_SECRET_KEY = "6".repeat(64);
  resetEnvCache();
  [swarm, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  busybox = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  imageRepo = `${registry.url}/prov/app`;
  const sleep = [`CMD ["/bin/busybox", "sleep", "3600"]`];
  for (const v of ["v0", "v2", "v3", "v4", "v5"] as const) img[v] = await buildAppImage(swarm.docker, { base: busybox, repo: imageRepo, tag: v, lines: sleep });
  bare = createBareRepo({ Dockerfile: `FROM ${busybox}\nCMD ["/bin/busybox", "sleep", "3600"]\n` }, { name: "app.git" });
  daemon = await startGitDaemon(bare.root);
  admin = await createUser("admin");
  const a = actorFor(admin);
  await saveContext(a, { name: "local", endpoint: swarm.endpoint, role: "both" });
  await saveRegistry(a, { name: "local", url: registry.url });
  const repo = await saveRepository(a, { repo: "prov/app", url: daemon.url("app.git") });
  repositoryId = repo.id;
  buildRuleId = (await saveBuildRule(a, { repository_id: repo.id, dockerfile: "Dockerfile", build_args: ["MODE=production"] })).id;
  ruleId = (await saveDeploymentRule(a, { build_rule_id: buildRuleId, branch: "live", image: `${imageRepo}:live` })).id;
  targetId = (await saveTarget(a, { deployment_rule_id: ruleId, name: "prov-prod", context: "local", service: SERVICE, monitor: 1, converge_timeout: 60, health_timeout: 5 })).id;
  const created = await swarm.docker.createService({
    Name: SERVICE,
    TaskTemplate: { ContainerSpec: { Image: img.v0.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  serviceId = created.id;
  await eventually(`${SERVICE} running v0`, async () => (await runningImages(swarm.docker, serviceId)).length === 1, 60_000);
  const sha = (liveSha = bare.commit("live", { Dockerfile: `FROM ${busybox}\nARG MODE\nENV MODE=$MODE\nCMD ["/bin/busybox", "sleep", "3600"]\n` }));
  refId = (await getDb().ref.create({ data: { repositoryId, kind: "branch", name: "live", headSha: sha } })).id;
}, 240_000);

afterAll(async () => {
  await daemon?.stop();
  await Promise.all([swarm?.stop(), registry?.stop()]);
  bare?.remove();
  delete process.env.SLIPWAY_URL;
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

const run = (id: string) => runDeployment(id, { workerId: "prov-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");

async function service(): Promise<{ image: string; version: number }> {
  const s = (await swarm.docker.getService(serviceId).inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
  return { image: s.Spec.TaskTemplate.ContainerSpec.Image, version: s.Version.Index };
}

let shaN = 0;
/** A release of `image` recorded as the build runner records it (after the migration: its provenance is required), with its deployment. */
async function releaseOf(image: AppImage, opts: { recordedBeforeSigning?: boolean } = {}): Promise<{ releaseId: string; deploymentId: string }> {
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId, sha: (0xe0000 + ++shaN).toString(16).padStart(40, "0"), message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { buildId: build.id, deploymentRuleId: ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest, recordedBeforeSigning: opts.recordedBeforeSigning ?? false } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { releaseId: rel.id, deploymentId: out.created[0]!.id };
}

function statementFor(digest: string): ProvenanceInput {
  return {
    slipwayUrl: "https://slipway.example.org", slipwayVersion: "0.1.0", buildId: "crafted", imageRepo, digest, tag: "live", artifact: null,
    repository: { name: "prov/app", url: daemon.url("app.git") }, ref: "refs/heads/live", commitSha: "f".repeat(40),
    rule: { name: "Dockerfile", kind: "docker", dockerfile: "Dockerfile", context: "", unikernelTarget: null }, buildArgs: {}, buildSecretNames: [], secretValues: [],
    platforms: ["linux/amd64"], startedOn: new Date(), finishedOn: new Date(),
  };
}

/** Puts `envelope` in the registry as the attestation of `digest`, as anyone who may push there could. */
async function plant(digest: string, envelope: object): Promise<void> {
  await pushAttestation({ baseUrl: `http://${registry.url}`, creds: {}, repo: "prov/app", digest, envelope: JSON.stringify(envelope), predicateType: SLSA_PROVENANCE_V1, signal: AbortSignal.timeout(30_000) });
}

async function registryJson(p: string, accept?: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(`http://${registry.url}/v2/prov/app/${p}`, { headers: accept ? { accept } : {} });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe("a real build signs its release", () => {
  test("the attestation is in the registry under sha256-<hex>.att, cosign's layout, and verifies with the public key (node:crypto and openssl)", async () => {
    const a = actorFor(admin);
    const { buildIds } = await buildNow(a, { refId });
    const out = await runBuild(buildIds[0]!, { workerId: "prov-builder", log: quiet });
    const b = await getDb().build.findUniqueOrThrow({ where: { id: buildIds[0]! }, include: { releases: { include: { provenance: true } } } });
    expect(out.state, b.reason ?? "").toBe("succeeded");
    const rel = b.releases[0]!;
    expect(rel.recordedBeforeSigning).toBe(false);
    const stored = rel.provenance!;
    const hex = rel.digest!.replace("sha256:", "");
    expect(stored.attestationRef).toBe(`${imageRepo}:sha256-${hex}.att`);

    // the manifest cosign looks for
    const m = await registryJson(`manifests/sha256-${hex}.att`, "application/vnd.oci.image.manifest.v1+json");
    expect(m.status).toBe(200);
    expect(m.headers.get("docker-content-digest")).toBe(stored.attestationDigest);
    const manifest = JSON.parse(m.body.toString()) as { mediaType: string; config: { mediaType: string }; layers: Array<{ mediaType: string; digest: string; annotations: Record<string, string> }> };
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0]).toMatchObject({ mediaType: "application/vnd.dsse.envelope.v1+json", annotations: { predicateType: "https://slsa.dev/provenance/v1" } });
    const blob = await registryJson(`blobs/${manifest.layers[0]!.digest}`);
    expect(blob.body.toString()).toBe(stored.envelope);

    // checked without Slipway's verifier: PAE written out here, the public key as Settings shows it
    const env = JSON.parse(blob.body.toString()) as { payloadType: string; payload: string; signatures: Array<{ keyid: string; sig: string }> };
    const key = await getDb().provenanceKey.findFirstOrThrow({ where: { retiredAt: null } });
    expect(env.payloadType).toBe("application/vnd.in-toto+json");
    expect(env.signatures[0]!.keyid).toBe(key.keyId);
    const payload = Buffer.from(env.payload, "base64");
    const paeBytes = Buffer.concat([Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `), payload]);
    const sig = Buffer.from(env.signatures[0]!.sig, "base64");
    expect(verify("sha256", paeBytes, { key: createPublicKey(key.publicKeyPem), dsaEncoding: "der" }, sig)).toBe(true);
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-prov-"));
    try {
      writeFileSync(path.join(dir, "slipway-provenance.pub"), key.publicKeyPem);
      writeFileSync(path.join(dir, "pae.bin"), paeBytes);
      writeFileSync(path.join(dir, "sig.der"), sig);
      const said = execFileSync("openssl", ["dgst", "-sha256", "-verify", "slipway-provenance.pub", "-signature", "sig.der", "pae.bin"], { cwd: dir, encoding: "utf8" });
      expect(said.trim()).toBe("Verified OK");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // the statement: this image and commit, this build, no secret
    const statement = JSON.parse(payload.toString()) as { subject: unknown; predicate: { buildDefinition: { externalParameters: Record<string, unknown> }; runDetails: { metadata: Record<string, string> } } };
    expect(statement.subject).toEqual([{ name: imageRepo, digest: { sha256: hex } }]);
    expect(statement.predicate.buildDefinition.externalParameters).toMatchObject({ ref: "refs/heads/live", commit: liveSha, buildArgs: { MODE: "production" } });
    expect(statement.predicate.runDetails.metadata.invocationId).toBe(b.id);
    expect(payload.toString()).toBe(stored.statement);

    signed = { releaseId: rel.id, digest: rel.digest!, ref: `${imageRepo}:live@${rel.digest}` };
  }, 240_000);

  test("its deployment verifies it before the service is touched, and the service runs it", async () => {
    const d0 = await getDb().deployment.findFirstOrThrow({ where: { releaseId: signed.releaseId } });
    const out = await run(d0.id);
    const d = await deployment(d0.id);
    expect(out.state, `${d.reason}\n${await logText(d.id)}`).toBe("succeeded");
    expect(d.provenanceCheck).toBe("verified");
    const text = await logText(d.id);
    expect(text).toMatch(/provenance verified: signed with key [0-9a-f]{64}/);
    expect(text.indexOf("provenance verified")).toBeLessThan(text.indexOf("converged") === -1 ? Infinity : text.indexOf("converged"));
    expect((await service()).image).toBe(signed.ref);
  }, 120_000);
});

describe("a tampered or missing attestation blocks the deploy and leaves the service as it was", () => {
  async function refused(deploymentId: string, says: RegExp): Promise<void> {
    const before = await service();
    const out = await run(deploymentId);
    const d = await deployment(deploymentId);
    expect(out.state, `${d.reason}\n${await logText(d.id)}`).toBe("failed");
    expect(d.reason).toMatch(says);
    expect(d.reason).toMatch(/The target was not touched/);
    expect(d.provenanceCheck).toBe("failed");
    expect(await logText(d.id)).toMatch(says);
    // `docker service inspect`: the same image, not even a new version of the spec
    expect(await service()).toEqual(before);
    expect(before.image).toBe(signed.ref);
    expect(await runningImages(swarm.docker, serviceId)).toEqual([signed.ref]);
  }

  test("the digest changed: signed by Slipway, for another image", async () => {
    const r = await releaseOf(img.v2);
    const key = await provenanceSigningKey();
    const forOther = JSON.stringify(buildStatement(statementFor(img.v0.digest)));
    await plant(img.v2.digest, signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(forOther), key.privateKey));
    await refused(r.deploymentId, new RegExp(`is signed for ${imageRepo.replace(/[.]/g, "\\.")}@${img.v0.digest}, not for .*@${img.v2.digest} that is about to run`));
  }, 120_000);

  test("signed by another key", async () => {
    const r = await releaseOf(img.v3);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await plant(img.v3.digest, signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(buildStatement(statementFor(img.v3.digest)))), other.privateKey));
    await refused(r.deploymentId, /signed by key [0-9a-f]{64}, which is not Slipway's provenance key/);
  }, 120_000);

  test("the predicate edited after signing", async () => {
    const r = await releaseOf(img.v4);
    const key = await provenanceSigningKey();
    const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(buildStatement(statementFor(img.v4.digest)))), key.privateKey);
    const edited = Buffer.from(env.payload, "base64").toString().replace('"commit":"ffff', '"commit":"0000');
    await plant(img.v4.digest, { ...env, payload: Buffer.from(edited).toString("base64") });
    await refused(r.deploymentId, /does not match its contents: the attestation was changed after it was signed/);
  }, 120_000);

  test("missing: no attestation in the registry", async () => {
    const r = await releaseOf(img.v5);
    await refused(r.deploymentId, new RegExp(`no signed provenance for .*@${img.v5.digest}: the registry has no attestation .*sha256-${img.v5.digest.slice(7)}\\.att.*allow unsigned releases on the target prov-prod`));
  }, 120_000);
});

describe("allow_unsigned", () => {
  test("an admin allows unsigned releases (audited); a missing attestation then deploys with a warning and an audit event, a bad one is still refused, and a rollback is verified", async () => {
    const a = actorFor(admin);
    await saveTarget(a, { id: targetId, name: "prov-prod", context: "local", service: SERVICE, monitor: 1, converge_timeout: 60, health_timeout: 5, allow_unsigned: true });
    expect((await getDb().target.findUniqueOrThrow({ where: { id: targetId } })).allowUnsigned).toBe(true);
    const change = await getDb().auditEvent.findFirst({ where: { subjectId: targetId, action: "target.updated" }, orderBy: { id: "desc" } });
    expect(change, "the target change is audited").not.toBeNull();
    expect(JSON.stringify(change!.after)).toContain("allow_unsigned");

    // the bad one (edited after signing) is still refused
    const bad = await getDb().release.findFirstOrThrow({ where: { digest: img.v4.digest } });
    const again = await getDb().$transaction((tx) => createDeploymentsForRelease(tx, bad.id, { type: "worker", workerId: "test" }));
    const badOut = await run(again.created[0]!.id);
    expect(badOut.state).toBe("failed");
    expect((await service()).image).toBe(signed.ref);

    // the missing one goes through
    const r = await releaseOf(img.v5);
    const out = await run(r.deploymentId);
    const d = await deployment(r.deploymentId);
    expect(out.state, `${d.reason}\n${await logText(d.id)}`).toBe("succeeded");
    expect(d.provenanceCheck).toBe("unsigned_allowed");
    expect(await logText(d.id)).toMatch(/warning: the registry has no attestation .*; deployed unsigned because prov-prod allows unsigned releases/);
    expect((await service()).image).toBe(`${imageRepo}:v5@${img.v5.digest}`);
    const audited = await getDb().auditEvent.findFirst({ where: { subjectId: d.id, action: "deployment.unsigned_allowed" } });
    expect(audited?.summary).toMatch(/has no signed provenance; deployed because the target allows unsigned releases/);

    // rolling back to the signed release checks its signature again
    const back = await rollbackTarget(a, { targetId, releaseId: signed.releaseId });
    const rb = await run(back.deploymentId);
    const rd = await deployment(back.deploymentId);
    expect(rb.state, `${rd.reason}\n${await logText(rd.id)}`).toBe("succeeded");
    expect(rd.provenanceCheck).toBe("verified");
    expect((await service()).image).toBe(signed.ref);
  }, 240_000);

  test("a release recorded before Slipway signed releases deploys with a warning", async () => {
    // (the rollback above pinned the target: unpinned here, so the new release deploys there)
    await getDb().target.update({ where: { id: targetId }, data: { allowUnsigned: false, pinnedReleaseId: null, pinnedById: null, pinnedAt: null } });
    // as the provenance migration marks the releases that exist when it runs
    const r = await releaseOf(img.v3, { recordedBeforeSigning: true });
    const out = await run(r.deploymentId);
    const d = await deployment(r.deploymentId);
    expect(out.state, `${d.reason}\n${await logText(d.id)}`).toBe("succeeded");
    expect(d.provenanceCheck).toBe("before_signing");
    expect(await logText(d.id)).toMatch(/warning: this release was recorded before Slipway signed releases/);
  }, 120_000);
});
