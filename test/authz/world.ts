// The rows the authorization matrix acts on (test/security.authz-matrix.test.ts): a seeded inventory whose
// remote parts are real (an sshd with pinned keys that lets the deployer key in, a unikernel host's stand-in
// programs, a registry holding a unikernel image), and makers of fresh rows, so that every allowed cell has
// a subject of its own that the command accepts (a queued build to cancel, a pending deployment to approve).
import { createHash, randomBytes } from "node:crypto";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import type { Role } from "@/lib/auth/roles";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { ensureProvenanceKey } from "@/lib/services/provenance-key";
import { buildStatement } from "@/lib/provenance/statement";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import {
  saveApp,
  saveBuildRule,
  saveChannel,
  saveContext,
  saveDeploymentRule,
  saveHost,
  saveRegistry,
  saveRepository,
  saveSecret,
  saveTarget,
} from "@/lib/services/inventory/entities";
import { actorFor, createSession, createUser, type TestUser } from "@/test/helpers/fixtures";
import type { Sshd } from "@/test/helpers/sshd";
import type { UnikernelHost } from "@/test/helpers/unikernel";
import type { TestRegistry } from "@/test/helpers/registry";
import type { UnikernelImage } from "@/test/helpers/unikernel-images";

export type Who = "anonymous" | Role;
export const WHO: readonly Who[] = ["anonymous", "viewer", "operator", "admin"];

export interface World {
  base: string;
  users: Record<Role, TestUser>;
  /** session cookie values */
  cookies: Record<Role, string>;
  admin: Actor;
  sshd: Sshd;
  ukhost: UnikernelHost;
  registry: TestRegistry;
  image: UnikernelImage;
  contextId: string;
  contextName: string;
  hostId: string;
  hostName: string;
  appName: string;
  repoId: string;
  repoName: string;
  buildRuleId: string;
  /** automatic approval: deploy and roll back create queued deployments */
  deployRuleId: string;
  /** manual approval: new releases wait for approval */
  manualRuleId: string;
  registryId: string;
  ukTargetId: string;
  /** an ended build and deployment with logs to read */
  endedBuildId: string;
  endedDeploymentId: string;
  artifactReleaseId: string;
  /** a release with a signed provenance statement stored (the artifact release) */
  signedReleaseId: string;
  /** a counter for unique names */
  next(): number;
}

const sha = () => randomBytes(20).toString("hex");

export async function seedWorld(opts: { base: string; sshd: Sshd; ukhost: UnikernelHost; registry: TestRegistry; image: UnikernelImage; registryCredentials: { username: string; password: string } }): Promise<World> {
  let n = 0;
  const next = () => ++n;
  const db = getDb();
  const viewer = await createUser("viewer", { login: "matrix-viewer" });
  const operator = await createUser("operator", { login: "matrix-operator" });
  const admin = await createUser("admin", { login: "matrix-admin" });
  const expires = new Date(Date.now() + 6 * 3600_000);
  const cookies = {
    viewer: await createSession(viewer.id, expires),
    operator: await createSession(operator.id, expires),
    admin: await createSession(admin.id, expires),
  };
  // the seeding admin is another user, so that no cell's own user is the one who triggered what it approves
  const seeder = await createUser("admin", { login: "matrix-seeder" });
  const a = actorFor(seeder);

  await ensureDeployerKey();
  const hostName = "matrix-ssh";
  const hostId = (await saveHost(a, { name: hostName, address: "127.0.0.1", port: opts.sshd.port, user: opts.sshd.user })).id;
  await pinHostKeys(a, { host_id: hostId, keys: opts.sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
  const contextName = "matrix-swarm";
  // a socket that does not exist: Test answers "unreachable" in words, which is a result, not an error
  const contextId = (await saveContext(a, { name: contextName, endpoint: `unix:///tmp/slipway-authz-no-docker-${process.pid}.sock`, role: "swarm_manager" })).id;
  const appName = "matrix-app";
  await saveApp(a, { name: appName, app_id: "424242" });
  const registryId = (await saveRegistry(a, { name: "matrix-registry", url: opts.registry.url, username: opts.registryCredentials.username, password: opts.registryCredentials.password })).id;
  await saveSecret(a, { name: "MATRIX_TOKEN", scope: "global", value: "matrix-secret-value" });
  await saveChannel(a, { name: "matrix-ops", url: "https://hooks.slack.com/services/T000/B000/matrix", events: ["deployment.succeeded"] });

  const repoName = "matrix/app";
  const repoId = (await saveRepository(a, { repo: repoName, url: "https://git.example.test/matrix/app.git" })).id;
  const buildRuleId = (await saveBuildRule(a, { repository_id: repoId, name: "Dockerfile" })).id;
  const deployRuleId = (await saveDeploymentRule(a, { build_rule_id: buildRuleId, branch: "live", image: "127.0.0.1:5000/matrix/app:live" })).id;
  const manualRuleId = (await saveDeploymentRule(a, { build_rule_id: buildRuleId, branch: "staging", image: "127.0.0.1:5000/matrix/app:staging", approval: "manual" })).id;

  // the unikernel target Check host looks at: a directory of `ukhost`'s own; its restart command is `true`, so
  // the check stays within its 15 s on a loaded machine (systemd's stand-in is a bash script)
  const ukRepoId = (await saveRepository(a, { repo: "matrix/www", url: "https://git.example.test/matrix/www.git" })).id;
  const ukBuildId = (await saveBuildRule(a, { repository_id: ukRepoId, kind: "unikernel", target: "hvt" })).id;
  const ukRuleId = (await saveDeploymentRule(a, { build_rule_id: ukBuildId, branch: "master", image: `${opts.image.repo}:live-hvt`, registry: "matrix-registry" })).id;
  const ukTargetId = (await saveTarget(a, { deployment_rule_id: ukRuleId, host: hostName, service: "www", dir: opts.ukhost.unikernelDir, restart: { method: "command", argv: ["true", "{service}"] } })).id;

  // an ended build with a release of the unikernel image, and an ended deployment of it (logs, the artifact)
  const commit = await db.commit.create({ data: { repositoryId: ukRepoId, sha: sha() } });
  const ended = await db.build.create({ data: { buildRuleId: ukBuildId, commitId: commit.id, state: "succeeded", trigger: "poll", finishedAt: new Date() } });
  const release = await db.release.create({
    data: {
      buildId: ended.id,
      deploymentRuleId: ukRuleId,
      imageRepo: opts.image.repo,
      tag: opts.image.tag,
      digest: opts.image.digest,
      artifactPath: opts.image.path,
      artifactSha256: opts.image.sha256,
      artifactSize: BigInt(opts.image.size),
      artifactTarget: "hvt",
    },
  });
  const deployment = await db.deployment.create({ data: { targetId: ukTargetId, releaseId: release.id, state: "failed", reason: "seeded for the matrix", finishedAt: new Date() } });
  // its provenance as the build runner stores it (the statement download reads it), and the provenance key
  const key = await ensureProvenanceKey("matrix seed");
  const statement = buildStatement({
    slipwayUrl: opts.base, slipwayVersion: "0.1.0", buildId: ended.id, imageRepo: opts.image.repo, digest: opts.image.digest, tag: opts.image.tag,
    artifact: { path: opts.image.path, sha256: opts.image.sha256 }, repository: { name: "matrix/www", url: "https://git.example.test/matrix/www.git" }, ref: "refs/heads/master",
    commitSha: commit.sha, rule: { name: "unikernel", kind: "unikernel", dockerfile: "Dockerfile", context: "", unikernelTarget: "hvt" }, buildArgs: { TARGET: "hvt" },
    buildSecretNames: [], secretValues: [], platforms: ["linux/amd64"], startedOn: new Date(), finishedOn: new Date(),
  });
  await db.releaseProvenance.create({ data: { releaseId: release.id, keyId: key.keyId, statement: JSON.stringify(statement), envelope: "{}", attestationRef: `${opts.image.repo}:sha256-x.att`, attestationDigest: opts.image.digest } });

  return {
    base: opts.base,
    users: { viewer, operator, admin },
    cookies,
    admin: a,
    sshd: opts.sshd,
    ukhost: opts.ukhost,
    registry: opts.registry,
    image: opts.image,
    contextId,
    contextName,
    hostId,
    hostName,
    appName,
    repoId,
    repoName,
    buildRuleId,
    deployRuleId,
    manualRuleId,
    registryId,
    ukTargetId,
    endedBuildId: ended.id,
    endedDeploymentId: deployment.id,
    artifactReleaseId: release.id,
    signedReleaseId: release.id,
    next,
  };
}

// ─── fresh rows for one cell ─────────────────────────────────────────────────────────────────────

/** A build of a new commit of the world's build rule, in `state`. */
export async function freshBuild(w: World, state: "queued" | "succeeded"): Promise<string> {
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: w.repoId, sha: sha() } });
  const b = await db.build.create({ data: { buildRuleId: w.buildRuleId, commitId: commit.id, state, trigger: "poll", ...(state === "succeeded" ? { finishedAt: new Date() } : {}) } });
  return b.id;
}

/** A release of a new commit under `ruleId`. */
export async function freshRelease(w: World, ruleId: string): Promise<string> {
  const db = getDb();
  const buildId = await freshBuild(w, "succeeded");
  const digest = `sha256:${createHash("sha256").update(buildId).digest("hex")}`;
  return (await db.release.create({ data: { buildId, deploymentRuleId: ruleId, imageRepo: "127.0.0.1:5000/matrix/app", tag: "live", digest } })).id;
}

/** A swarm-service target of its own under `ruleId` (nothing runs on it, nothing pins it). */
export async function freshTarget(w: World, ruleId: string = w.deployRuleId): Promise<string> {
  const i = w.next();
  return (await saveTarget(w.admin, { deployment_rule_id: ruleId, name: `matrix-t${i}`, context: w.contextName, service: `matrix_svc${i}` })).id;
}

/** A deployment waiting for approval, on a target of its own. */
export async function pendingDeployment(w: World): Promise<string> {
  const targetId = await freshTarget(w, w.manualRuleId);
  const releaseId = await freshRelease(w, w.manualRuleId);
  const d = await getDb().deployment.create({ data: { targetId, releaseId, state: "pending_approval", approvalExpiresAt: new Date(Date.now() + 3600_000) } });
  return d.id;
}

/** A target running release A and pinned there, with a newer release B of its rule. */
export async function deployedTarget(w: World, opts: { pinned: boolean }): Promise<{ targetId: string; older: string; newer: string }> {
  const targetId = await freshTarget(w);
  const older = await freshRelease(w, w.deployRuleId);
  const newer = await freshRelease(w, w.deployRuleId);
  await getDb().target.update({ where: { id: targetId }, data: { currentReleaseId: newer, ...(opts.pinned ? { pinnedReleaseId: newer, pinnedAt: new Date() } : {}) } });
  return { targetId, older, newer };
}

/** A preview of a new pull request under the world's rule, in `state` (a fork's when it waits for approval). */
export async function freshPreview(w: World, state: "running" | "pending_approval"): Promise<string> {
  const n = 10_000 + w.next();
  const buildId = await freshBuild(w, "succeeded");
  const digest = `sha256:${createHash("sha256").update(buildId).digest("hex")}`;
  const p = await getDb().preview.create({
    data: {
      deploymentRuleId: w.deployRuleId, prNumber: n, headSha: sha(), buildId, imageRepo: "127.0.0.1:5000/matrix/app", tag: `pr-${n}-abcdef0`, digest,
      service: `matrix-pr-${n}`, state, fork: state === "pending_approval", ...(state === "running" ? { deployedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) } : {}),
    },
  });
  return p.id;
}

export async function freshHost(w: World, opts: { pinned?: boolean } = {}): Promise<string> {
  const id = (await saveHost(w.admin, { name: `matrix-host${w.next()}`, address: "127.0.0.1", port: w.sshd.port, user: w.sshd.user })).id;
  if (opts.pinned) await pinHostKeys(w.admin, { host_id: id, keys: [`${w.sshd.hostKeys[0]!.algorithm} ${w.sshd.hostKeys[0]!.publicKey}`] });
  return id;
}

export async function freshUser(role: Role = "viewer"): Promise<TestUser> {
  return createUser(role);
}

/**
 * A deployment rule of its own with environments staging → production (one target each), whose release runs
 * on staging after a succeeded deployment that ended before the (zero) soak time: promotable to production.
 */
export async function promotableRelease(w: World): Promise<{ releaseId: string; productionTargetId: string }> {
  const i = w.next();
  const rule = await saveDeploymentRule(w.admin, {
    build_rule_id: w.buildRuleId,
    branch: `matrix-promote-${i}`,
    image: "127.0.0.1:5000/matrix/app:promote",
    environments: [{ name: "staging" }, { name: "production" }],
  });
  const staging = await saveTarget(w.admin, { deployment_rule_id: rule.id, name: `matrix-stg${i}`, context: w.contextName, service: `matrix_stg${i}`, environment: "staging" });
  const production = await saveTarget(w.admin, { deployment_rule_id: rule.id, name: `matrix-prd${i}`, context: w.contextName, service: `matrix_prd${i}`, environment: "production" });
  const releaseId = await freshRelease(w, rule.id);
  const db = getDb();
  await db.deployment.create({ data: { targetId: staging.id, releaseId, state: "succeeded", finishedAt: new Date(Date.now() - 60_000) } });
  await db.target.update({ where: { id: staging.id }, data: { currentReleaseId: releaseId } });
  return { releaseId, productionTargetId: production.id };
}
