// One build, start to end: claim it, choose a build host, fetch exactly its commit, build each
// architecture, and for deployment branches push by digest (a manifest list for several architectures)
// and record the releases. Every step is written to the build's log as it happens. A cancel request
// (Cancel, or a newer push superseding it) and the build's timeout abort the daemon-side build.
import type Dockerode from "dockerode";
import { getDb, type Tx } from "@/lib/db";
import type { Logger } from "@/lib/log";
import type { BuildState, Prisma } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { BuildInputError, prepareContext, prepareTreeContext, type PreparedContext } from "@/lib/build/context";
import { buildImage, DaemonError, pushImage, tagImage } from "@/lib/build/docker";
import { buildImageBuildKit } from "@/lib/build/buildkit";
import { chooseBuildHost, type BuildHostChoice } from "@/lib/build/host";
import { classifyPushFailure, engineLostReason, isEngineConnectionError, mayBeEngineLoss, pushRetryDelaySeconds, watchEngine, type EngineWatch } from "@/lib/build/failure";
import { dockerClient } from "@/lib/docker/engine";
import { contextAccess } from "@/lib/services/inventory/access";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { fetchCommit, withTempCheckout, type CheckedOutCommit } from "@/lib/git/fetch";
import { checkoutFromMirror, commitFromMirror, evictMirrors, mirrorDir, type MirrorCache } from "@/lib/git/mirror";
import { dataDirOf } from "@/lib/db/find-database";
import { GitError } from "@/lib/git/run";
import { installationToken } from "@/lib/github/app-client";
import { enqueueBuildFollowUps } from "@/lib/services/builds/schedule";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { recordPreviewImage } from "@/lib/services/previews/schedule";
import { previewTag } from "@/lib/validation/previews";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { headManifest, putManifestList, RegistryError, type RegistryCredentials } from "@/lib/registry/client";
import { registryBaseUrl } from "@/lib/registry/address";
import { archPlatform, archTag, splitImageRef } from "@/lib/build/image-ref";
import { env } from "@/lib/env";
import { extractImageFile } from "@/lib/docker/extract-file";
import { ImageFileError, type ImageFile } from "@/lib/docker/image-file";
import { signAndPushProvenance, type SignedProvenance } from "@/lib/build/provenance";
import { slipwayVersion } from "@/lib/version";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** How often a running build checks for a cancel request. */
export const CANCEL_POLL_MS = 1_000;
const FETCH_TIMEOUT_MS = 10 * 60_000;

export interface RunBuildOptions {
  workerId: string;
  log: Logger;
  /** the worker is shutting down */
  signal?: AbortSignal;
}

export type BuildOutcome =
  | { state: Exclude<BuildState, "fetching" | "building" | "pushing">; reason: string | null }
  | { state: "skipped"; reason: string };

/** Why the build was stopped: carried as the abort reason. */
class StopRequest extends Error {
  constructor(
    /** queued: the worker is shutting down, and another one takes the build over */
    readonly state: "cancelled" | "superseded" | "failed" | "queued",
    message: string,
  ) {
    super(message);
  }
}

const buildInclude = {
  commit: true,
  buildRule: { include: { repository: { include: { app: true } }, deploymentRules: { include: { registry: true } } } },
  refs: { include: { ref: true } },
} as const satisfies Prisma.BuildInclude;

type LoadedBuild = Prisma.BuildGetPayload<{ include: typeof buildInclude }>;

/**
 * Whether the build serves only pull requests from forks, or from where Slipway does not know: their code may not
 * be the repository's own, so it never gets Slipway's secrets (docs/previews.md). A pull request seen only by a
 * poll (its `refs/pull/<n>/head`, without the webhook that says where its head lives) counts as a fork's until a
 * webhook says otherwise. A commit also on one of the repository's branches, or on a pull request a webhook said
 * comes from the repository itself, is the repository's.
 */
export function servesOnlyForks(b: { commit: { sha: string }; refs: Array<{ ref: { kind: string; headSha: string; closedAt: Date | null; prFork: boolean | null } }> }): boolean {
  const open = b.refs.filter((r) => r.ref.headSha === b.commit.sha);
  return open.length > 0 && open.every((r) => r.ref.kind === "pull_request" && r.ref.prFork !== false);
}

/** Why a build's secrets are withheld, in words for its log. */
function withheldBecause(b: { commit: { sha: string }; refs: Array<{ ref: { kind: string; headSha: string; prFork: boolean | null } }> }): string {
  const open = b.refs.filter((r) => r.ref.headSha === b.commit.sha);
  return open.some((r) => r.ref.prFork === null)
    ? "this commit is a pull request's that Slipway saw only by polling, so it cannot tell whether it comes from a fork (a GitHub webhook says)"
    : "this commit is a pull request's from a fork";
}

/** The build's secrets by name: the repository's, else its app's, else a global one; none for a fork's pull request. */
async function resolveBuildSecrets(b: LoadedBuild): Promise<Map<string, string>> {
  const repo = b.buildRule.repository;
  const out = new Map<string, string>();
  if (servesOnlyForks(b)) return out;
  for (const name of b.buildRule.buildSecrets) {
    const keys = [`repository:${repo.id}`, ...(repo.appId ? [`app:${repo.appId}`] : []), "global"];
    const rows = await getDb().secret.findMany({ where: { name, scopeKey: { in: keys } }, select: { id: true, scopeKey: true } });
    const row = keys.map((k) => rows.find((r) => r.scopeKey === k)).find(Boolean);
    if (!row) throw new BuildInputError(`the build secret ${name} is not declared for ${repo.name}, its app, or globally: add it under Settings → Secrets`);
    const value = await revealSecret(row.id);
    if (value === null) throw new BuildInputError(`the build secret ${name} is declared but has no value yet: set it under Settings → Secrets`);
    out.set(name, value);
  }
  return out;
}

function parseBuildArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf("=");
    const key = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? "" : a.slice(eq + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new BuildInputError(`the build arg "${key.slice(0, 60)}" is not a valid name (letters, digits and _, not starting with a digit)`);
    if (/[\r\n\0]/.test(value)) throw new BuildInputError(`the build arg ${key} contains a line break or NUL; build args are single lines: fix it on the build rule`);
    out[key] = value;
  }
  return out;
}

/** The deployment rules this build publishes for: those whose branch is one of the open branches it serves. */
function publishingRules(b: LoadedBuild) {
  const branches = new Set(b.refs.filter((r) => r.ref.kind === "branch" && r.ref.closedAt === null && r.ref.headSha === b.commit.sha).map((r) => r.ref.name));
  return b.buildRule.deploymentRules.filter((d) => d.image && branches.has(d.branch));
}

/** The previews this build brings up: open pull requests it is the head of, into a rule's branch that has previews on. */
function previewTargets(b: LoadedBuild): Array<{ rule: LoadedBuild["buildRule"]["deploymentRules"][number]; prNumber: number; fork: boolean }> {
  const out = [];
  for (const r of b.refs) {
    const ref = r.ref;
    if (ref.kind !== "pull_request" || ref.closedAt !== null || ref.headSha !== b.commit.sha || ref.prNumber === null || !ref.prBase) continue;
    for (const d of b.buildRule.deploymentRules) {
      if (d.previewEnabled && d.image && d.archivedAt === null && d.branch === ref.prBase) out.push({ rule: d, prNumber: ref.prNumber, fork: ref.prFork === true });
    }
  }
  return out;
}

async function setState(tx: Tx, b: LoadedBuild, data: Parameters<Tx["build"]["update"]>[0]["data"]): Promise<void> {
  await tx.build.update({ where: { id: b.id }, data });
  await enqueueBuildFollowUps(tx, b.id, b.buildRule.repository.appId !== null);
}

/** Claims a queued build for this worker and picks its build host; null if it is not queued any more. */
async function claim(buildId: string, workerId: string): Promise<{ b: LoadedBuild; host: BuildHostChoice | string } | null> {
  return getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM builds WHERE id = ${buildId} FOR UPDATE`;
    if (rows[0]?.state !== "queued") return null;
    const b = await tx.build.findUniqueOrThrow({ where: { id: buildId }, include: buildInclude });
    const host = await chooseBuildHost(tx, b.buildRule.archs);
    if (typeof host === "string") return { b, host };
    await setState(tx, b, { state: "fetching", workerId, startedAt: new Date(), dockerContextId: host.contextId });
    return { b, host };
  });
}

async function finish(b: LoadedBuild, state: "succeeded" | "failed" | "cancelled" | "superseded", reason: string | null, extra?: (tx: Tx) => Promise<void>): Promise<void> {
  await getDb().$transaction(async (tx) => {
    await extra?.(tx);
    await setState(tx, b, { state, reason, finishedAt: new Date() });
  });
}

/** Hands the build to another worker (this one is shutting down): queued again with a fresh job. */
async function requeue(b: LoadedBuild, reason: string): Promise<void> {
  await getDb().$transaction(async (tx) => {
    await setState(tx, b, { state: "queued", workerId: null, startedAt: null, dockerContextId: null, reason });
    await enqueueJob(tx, "build_run", { buildId: b.id }, { jobKey: `build:${b.id}:requeue`, maxAttempts: 1 });
  });
}

function describe(err: unknown): string {
  if (err instanceof BuildInputError || err instanceof GitError || err instanceof DaemonError || err instanceof RegistryError || err instanceof ImageFileError) return err.message;
  const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
  if (e?.json?.message) return `the Docker daemon answered${e.statusCode ? ` ${e.statusCode}` : ""}: ${e.json.message}`;
  return e?.message ?? String(err);
}

export async function runBuild(buildId: string, opts: RunBuildOptions): Promise<BuildOutcome> {
  const claimed = await claim(buildId, opts.workerId);
  if (!claimed) return { state: "skipped", reason: "the build is not queued (cancelled, superseded or already taken)" };
  const { b, host } = claimed;
  // one line per run, with the worker's id (the logger's binding): which worker ran which build, from the
  // workers' own logs (a build's row keeps only its last worker)
  opts.log.info({ buildId: b.id, attempt: b.attempt }, "build started");
  const repo = b.buildRule.repository;
  const rule = b.buildRule;
  const startedOn = new Date();

  if (typeof host === "string") {
    const log = await BuildLogWriter.open(b.id, []);
    log.line(`==> no build host: ${host}`);
    await log.close();
    await getDb().$transaction((tx) => setState(tx, b, { state: "failed", reason: host, startedAt: new Date(), finishedAt: new Date(), workerId: opts.workerId }));
    return { state: "failed", reason: host };
  }

  const controller = new AbortController();
  const signal = controller.signal;
  const onWorkerStop = () => controller.abort(new StopRequest("queued", `queued again: worker ${opts.workerId} was shut down during the build`));
  opts.signal?.addEventListener("abort", onWorkerStop, { once: true });
  const timeoutMs = b.timeoutSeconds * 1000;
  const timer = setTimeout(() => controller.abort(new StopRequest("failed", `timed out after ${formatDuration(b.timeoutSeconds)} (the build rule's timeout); the build host stopped the build`)), timeoutMs);
  const poll = setInterval(() => {
    void getDb()
      .build.findUnique({ where: { id: b.id }, select: { cancelRequestedAt: true, supersededById: true, reason: true } })
      .then((row) => {
        if (row?.cancelRequestedAt && !signal.aborted) {
          const superseded = row.supersededById !== null;
          controller.abort(new StopRequest(superseded ? "superseded" : "cancelled", row.reason ?? (superseded ? "superseded by a newer commit" : "cancelled")));
        }
      })
      .catch((err: unknown) => opts.log.warn({ err: describe(err), buildId: b.id }, "could not check for a cancel request"));
  }, CANCEL_POLL_MS);

  // asked for at once, while the log opens and the commit is fetched: neither needs the other. Their failures
  // are reported where they are awaited, inside the try below.
  // the installation token goes only over https (lib/git/credentials.ts); other URLs are fetched anonymously;
  // local mode fetches anonymously, as ocurrent-deployer-local does
  const https = repo.url.startsWith("https://");
  const tokenP = repo.appId && https && !env().SLIPWAY_LOCAL ? installationToken(repo.id, signal) : Promise.resolve(null);
  const accessP = contextAccess(host.contextId);
  for (const p of [tokenP, accessP]) p.catch(() => undefined);

  const log = await BuildLogWriter.open(b.id, []);
  let outcome: BuildOutcome;
  /** the `building` state being written; no later state may be written before it */
  let recording: Promise<unknown> = Promise.resolve();
  /** the build host's engine, watched from the first call to it (lib/build/failure.ts) */
  let watch: EngineWatch | null = null;
  let engineTarget = host.name;
  let phase: "building" | "pushing" = "building";
  try {
    const secrets = await resolveBuildSecrets(b);
    const registryPasswords = new Map<string, string>();
    for (const d of rule.deploymentRules) {
      if (d.registry?.passwordSecretId) {
        const pw = await revealSecret(d.registry.passwordSecretId);
        if (pw) registryPasswords.set(d.registry.id, pw);
      }
    }
    log.addSecrets([...secrets.values(), ...registryPasswords.values()]);
    if (servesOnlyForks(b) && rule.buildSecrets.length > 0) log.line(`build secrets ${rule.buildSecrets.join(", ")} are withheld: ${withheldBecause(b)}`);
    const buildArgs = parseBuildArgs(rule.buildArgs);

    log.step(`build ${b.id} attempt ${b.attempt}: ${repo.name} ${rule.name} at ${b.commit.sha} on ${host.name} (${rule.archs.join(", ")})`);
    const token = await tokenP;
    if (token) log.addSecrets([token]);
    if (repo.appId && !https) log.line(`${repo.url} is not an https URL: fetching without the app's installation token`);
    const servedRef = b.refs.find((r) => r.ref.headSha === b.commit.sha)?.ref;
    const fetchRef = servedRef ? (servedRef.kind === "branch" ? `refs/heads/${servedRef.name}` : `refs/pull/${servedRef.prNumber}/head`) : undefined;

    const unikernel = rule.kind === "unikernel" ? rule.unikernelTarget : null;
    if (rule.kind === "unikernel" && !unikernel) throw new BuildInputError("this unikernel build rule names no target (hvt, xen, spt, virtio or unix): set it on the build rule");
    // a unikernel image only carries the file: it is built once, for the first architecture of the rule
    const archs = unikernel ? rule.archs.slice(0, 1) : rule.archs;
    // ocurrent-deployer's order: TARGET first, then the rule's own build args (which may override it)
    const args = unikernel ? { TARGET: unikernel, ...buildArgs } : buildArgs;

    log.step(`fetching ${repo.url} at ${b.commit.sha}`);
    const fetchOptions = {
      token: token ?? undefined,
      timeoutMs: Math.min(FETCH_TIMEOUT_MS, timeoutMs),
      signal,
      depth: rule.includeGit ? 50 : 1,
      ref: fetchRef,
      allowFile: !repo.appId, // a webhook drives an app's repository: never from this machine's files
    };
    const cache = gitMirrorCache();
    const onLine = (l: string) => log.line(l);
    let bounded: Promise<void> = Promise.resolve();
    const pushedOut = await withBuildContext(
      async (dir) => {
        if (dir === null) {
          // a rule without .git: the context is streamed from the mirror's objects, nothing is checked out
          const c = await commitFromMirror(cache!, repo.url, b.commit.sha, { ...fetchOptions, key: repo.id, onLine });
          const ctx = await prepareTreeContext(c, rule);
          if (!("checkoutNeeded" in ctx)) return { commit: c, ctx };
          log.line(`${ctx.checkoutNeeded}: checking the commit out to follow it`);
          return null;
        }
        const commit = cache
          ? await checkoutFromMirror(cache, repo.url, b.commit.sha, dir, { ...fetchOptions, key: repo.id, keepGitDir: rule.includeGit, onLine })
          : await fetchCommit(repo.url, b.commit.sha, dir, fetchOptions);
        return { commit, ctx: await prepareContext(dir, rule) };
      },
      cache !== null && !rule.includeGit,
      async ({ commit: checkout, ctx }) => {
        // the cache is kept under its bound while the build runs: the mirror just used is never evicted
        if (cache) bounded = keepCacheBounded(cache, mirrorDir(cache, repo.id, repo.url), log, opts.log);
        log.line(`${checkout.sha.slice(0, 12)} ${checkout.message.split("\n")[0] ?? ""} (${checkout.author})`);
        log.line(`context ${rule.contextDir || "."}: ${ctx.entries.length} entries${rule.includeGit ? " (with .git)" : ""}, Dockerfile ${ctx.dockerfile}${ctx.dir === null ? ", streamed from the git mirror" : ""}`);

        const client = dockerClient((await accessP).access, { timeoutMs: 15_000 });
        const docker: Dockerode = client.docker;
        engineTarget = client.target;
        watch = watchEngine(client);
        // the commit's details and the `building` state are written while the daemon starts the build (they only
        // feed the pages); the build waits for them before its next state, and so does the end of a failed one
        recording = getDb().$transaction(async (tx) => {
          await tx.commit.update({ where: { id: b.commitId }, data: { message: checkout.message.slice(0, 10_000), author: checkout.author.slice(0, 300), committedAt: checkout.committedAt } });
          await setState(tx, b, { state: "building" });
        });
        recording.catch(() => undefined); // awaited below, or before the build's end is written
        // build secrets reach the build only through a BuildKit session (RUN --mount=type=secret,id=NAME)
        if (secrets.size > 0) log.line(`building with BuildKit: build secrets ${[...secrets.keys()].join(", ")} are served to RUN --mount=type=secret`);
        const images = new Map<string, string>();
        const localRepo = `slipway-build/${rule.id.toLowerCase()}`;
        for (const arch of archs) {
          log.step(unikernel ? `building the ${unikernel} unikernel (--build-arg TARGET=${unikernel})` : `building for linux/${arch}`);
          const tag = `${b.commit.sha.slice(0, 12)}-${archTag(arch)}`;
          const input = {
            context: ctx.stream(),
            dockerfile: ctx.dockerfile,
            tag: `${localRepo}:${tag}`,
            platform: archs.length > 1 || arch !== "amd64" ? `linux/${arch}` : undefined,
            buildArgs: args,
            labels: { "org.opencontainers.image.revision": b.commit.sha, "dev.slipway.build": b.id, "dev.slipway.repository": repo.name },
            signal,
            onOutput: (t: string) => log.writeFromStream(t),
          };
          // a rule with build secrets builds with BuildKit even when they are withheld (a fork's pull request): its
          // Dockerfile's RUN --mount=type=secret needs BuildKit, and finds no secret there
          const id = rule.buildSecrets.length > 0 ? await buildImageBuildKit(docker, { ...input, secrets }) : await buildImage(docker, input);
          images.set(arch, id);
          log.line(`built ${id}`);
        }

        await recording;
        // every unikernel build checks its artifact, whether it deploys or not: a pull request learns it is broken
        const artifact = unikernel ? await takeArtifact(docker, images.get(archs[0]!)!, unikernel, rule.maxArtifactMib, signal, log) : null;

        const rules = publishingRules(b);
        const previews = unikernel ? [] : previewTargets(b);
        if (rules.length === 0 && previews.length === 0) {
          log.step("done: this branch or pull request deploys nowhere, so nothing is pushed");
          return { releases: [] as Published[], previews: [] as PublishedPreview[] };
        }
        await getDb().$transaction((tx) => setState(tx, b, { state: "pushing" }));
        phase = "pushing";

        /** Pushes the built images as imageRepo:tag (a manifest list for several architectures); the digest and each architecture's. */
        const pushAs = async (d: (typeof rules)[number], tag: string) => {
          const ref = splitImageRef(d.image!);
          const { repo: imageRepo, registryHost, path: repoPath } = ref;
          const creds: RegistryCredentials = { username: d.registry?.username ?? null, password: d.registry ? (registryPasswords.get(d.registry.id) ?? null) : null };
          const auth = creds.username && creds.password ? { username: creds.username, password: creds.password, serveraddress: registryHost } : undefined;
          const platformDigests: Record<string, string> = {};
          const pushed: Array<{ arch: string; digest: string }> = [];
          for (const [arch, id] of images) {
            const pushTag = archs.length > 1 ? `${tag}-${archTag(arch)}` : tag;
            log.step(`pushing ${imageRepo}:${pushTag}`);
            await tagImage(docker, id, imageRepo, pushTag, signal);
            const pushCtx = { registryHost, registryName: d.registry?.name ?? null, username: creds.username ?? null, log, signal, watch: watch! };
            const r = await pushRetrying(pushCtx, () => pushImage(docker, { repo: imageRepo, tag: pushTag, auth, signal, onOutput: (t) => log.writeFromStream(t) }));
            platformDigests[arch] = r.digest;
            pushed.push({ arch, digest: r.digest });
            log.line(`${imageRepo}:${pushTag} is ${r.digest}`);
            if (artifact) {
              log.step(`moving ${imageRepo}:${ref.tag} to this commit`);
              await tagImage(docker, id, imageRepo, ref.tag, signal);
              const moved = await pushRetrying(pushCtx, () => pushImage(docker, { repo: imageRepo, tag: ref.tag, auth, signal, onOutput: (t) => log.writeFromStream(t) }));
              if (moved.digest !== r.digest) throw new RegistryError(`${imageRepo}:${ref.tag} was pushed as ${moved.digest}, not ${r.digest}: another push moved it meanwhile; rebuild`);
            }
          }
          let digest = pushed[0]!.digest;
          if (pushed.length > 1) {
            log.step(`pushing the manifest list ${imageRepo}:${tag} (${pushed.map((p) => p.arch).join(", ")})`);
            const base = registryBaseUrl(d.registry?.url ?? registryHost);
            const entries = [];
            for (const p of pushed) {
              const m = await headManifest(base, creds, repoPath, p.digest, signal);
              if (!m) throw new RegistryError(`the registry does not have ${imageRepo}@${p.digest} that was just pushed`);
              entries.push({ ...m, os: "linux", ...archPlatform(p.arch) });
            }
            digest = await putManifestList(base, creds, repoPath, tag, entries, signal);
            log.line(`${imageRepo}:${tag} is ${digest}`);
          }
          return { ref, imageRepo, registryHost, repoPath, creds, digest, platformDigests };
        };

        const out: Published[] = [];
        for (const d of rules) {
          // a unikernel's image is kept per commit (<tag>-<commit>, immutable) and the rule's tag moves to it (latest)
          const ruleTag = splitImageRef(d.image!).tag;
          const tag = artifact ? commitTag(ruleTag, b.commit.sha) : ruleTag;
          const { imageRepo, registryHost, repoPath, creds, digest, platformDigests } = await pushAs(d, tag);
          log.step(`signing the provenance of ${imageRepo}@${digest}`);
          const provenance = await signAndPushProvenance(
            {
              slipwayUrl: env().SLIPWAY_URL,
              slipwayVersion,
              buildId: b.id,
              imageRepo,
              digest,
              tag,
              artifact: artifact ? { path: artifact.path, sha256: artifact.sha256 } : null,
              repository: { name: repo.name, url: repo.url },
              ref: `refs/heads/${d.branch}`,
              commitSha: b.commit.sha,
              rule: { name: rule.name, kind: rule.kind, dockerfile: rule.dockerfile, context: rule.contextDir, unikernelTarget: unikernel },
              buildArgs: args,
              buildSecretNames: [...secrets.keys()],
              secretValues: [...secrets.values(), ...registryPasswords.values()],
              platforms: archs.map((a) => `linux/${a}`),
              startedOn,
              finishedOn: new Date(),
            },
            { baseUrl: registryBaseUrl(d.registry?.url ?? registryHost), creds, repoPath },
            signal,
          );
          log.line(`attestation ${provenance.attestationRef} (${provenance.attestationDigest}), signed with key ${provenance.keyId}`);
          out.push({ deploymentRuleId: d.id, imageRepo, tag, digest, platformDigests, artifact: artifact && unikernel ? { ...artifact, target: unikernel } : null, provenance });
        }
        // a pull request's preview image: its own tag per commit, never the rule's, and no release (nothing deploys it but its preview)
        const previewOut: PublishedPreview[] = [];
        for (const p of previews) {
          const tag = previewTag(p.prNumber, b.commit.sha);
          log.step(`preview of pull request #${p.prNumber} for ${p.rule.branch}`);
          const { imageRepo, digest } = await pushAs(p.rule, tag);
          previewOut.push({ deploymentRuleId: p.rule.id, prNumber: p.prNumber, fork: p.fork, imageRepo, tag, digest });
        }
        return { releases: out, previews: previewOut };
      },
    );
    const published = pushedOut.releases;
    await bounded;

    const deployNotes: string[] = [];
    await finish(b, "succeeded", null, async (tx) => {
      for (const p of published) {
        const a = p.artifact;
        const rel = await tx.release.create({
          data: {
            buildId: b.id, deploymentRuleId: p.deploymentRuleId, imageRepo: p.imageRepo, tag: p.tag, digest: p.digest, platformDigests: p.platformDigests,
            ...(a ? { artifactPath: a.path, artifactSha256: a.sha256, artifactSize: BigInt(a.size), artifactTarget: a.target } : {}),
          },
        });
        await tx.releaseProvenance.create({ data: { releaseId: rel.id, ...p.provenance } });
        await recordAudit(tx, {
          actor: { type: "worker", workerId: opts.workerId },
          action: "release.recorded",
          subjectType: "release",
          subjectId: rel.id,
          summary: a
            ? `${a.target} unikernel ${a.sha256.slice(0, 12)} (${a.size} bytes) in ${p.imageRepo}:${p.tag}@${p.digest} from ${repo.name} ${b.commit.sha.slice(0, 12)}`
            : `${p.imageRepo}:${p.tag}@${p.digest} from ${repo.name} ${b.commit.sha.slice(0, 12)}`,
          after: { image: `${p.imageRepo}:${p.tag}`, digest: p.digest, platforms: p.platformDigests, buildId: b.id, provenance: { keyId: p.provenance.keyId, attestation: p.provenance.attestationRef }, ...(a ? { artifact: { path: a.path, sha256: a.sha256, size: a.size, target: a.target } } : {}) },
        });
        // the deployments of the release are created with it: nothing can record a release and lose its deploys
        const { created, pinned, held } = await createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: opts.workerId });
        deployNotes.push(...created.map((c) => `deployment to ${c.targetName}: ${c.state === "queued" ? "queued" : "waiting for approval"}`));
        deployNotes.push(...pinned.map((t) => `${t} is pinned: not deployed there (unpin it on its page to follow the branch again)`));
        deployNotes.push(...held.map((t) => `${t} is in a later environment: it gets this release when it is promoted there (Environments)`));
      }
      for (const p of pushedOut.previews) {
        const placed = await recordPreviewImage(tx, { ...p, buildId: b.id, headSha: b.commit.sha }, { type: "worker", workerId: opts.workerId });
        deployNotes.push(`preview of pull request #${p.prNumber}: ${placed.words}`);
      }
    });
    for (const p of published) log.line(`release: ${p.imageRepo}:${p.tag}@${p.digest}${p.artifact ? ` with ${p.artifact.path} (sha256 ${p.artifact.sha256})` : ""}`);
    for (const n of deployNotes) log.line(n);
    log.step("succeeded");
    // a log store that ran out of disk space cut the log: the build says so (its state does not change)
    await log.flush();
    const cut = log.storeFull;
    if (cut) await getDb().build.update({ where: { id: b.id }, data: { reason: `succeeded; ${cut}` } });
    outcome = { state: "succeeded", reason: cut ? `succeeded; ${cut}` : null };
  } catch (err) {
    const stop = signal.aborted && signal.reason instanceof StopRequest ? signal.reason : null;
    // the reason is shown on the build page and sent to GitHub's check run: masked like the log
    let reason = log.mask(stop ? stop.message : (await engineLoss(err, watch)) ? engineLostReason({ name: host.name, target: engineTarget }, phase) : describe(err));
    const state = stop ? stop.state : "failed";
    log.step(`${state}: ${reason}`);
    await log.flush().catch(() => undefined);
    const cut = log.storeFull;
    if (cut && state !== "queued") reason = `${reason}; ${cut}`;
    // a `building` still being written would otherwise land after the end
    await recording.catch(() => undefined);
    if (state === "queued") {
      // stored before the build can be taken again: the next runner's log continues after these lines
      await log.flush().catch(() => undefined);
      await requeue(b, reason);
    }
    else await finish(b, state, reason);
    outcome = { state, reason };
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    (watch as EngineWatch | null)?.stop();
    opts.signal?.removeEventListener("abort", onWorkerStop);
    try {
      await log.close();
    } catch (err) {
      opts.log.error({ buildId: b.id, err: describe(err) }, "could not store the end of the build log");
    }
  }
  opts.log.info({ buildId: b.id, state: outcome.state }, "build ended");
  return outcome;
}

/**
 * Whether the build failed because its engine went away: the request to it broke, or its event stream ended
 * (at once, or within a few seconds of a daemon error: a stopping dockerd first fails the build it runs, then
 * closes its connections). Errors of the commit itself (a failed RUN step, a bad input) never are.
 */
async function engineLoss(err: unknown, watch: EngineWatch | null): Promise<boolean> {
  if (!watch) return false;
  if (err instanceof BuildInputError || err instanceof GitError || err instanceof ImageFileError || err instanceof RegistryError) return false;
  if (watch.lost() || isEngineConnectionError(err)) return true;
  return mayBeEngineLoss(err) && (await watch.lostWithin(3_000));
}

interface PushContext {
  registryHost: string;
  /** the registry entry of the deployment rule (Settings → Registries), if any */
  registryName: string | null;
  username: string | null;
  log: BuildLogWriter;
  signal: AbortSignal;
  watch: EngineWatch;
}

/**
 * Runs a push; when the registry stopped answering it is tried again (5 s, 10 s, 20 s, … at most 60 s apart)
 * for SLIPWAY_PUSH_RETRY_SECONDS from the first failure, then fails in words. Refused credentials fail at once,
 * in words that say where to fix them. A lost engine is left to the build's own failure (engineLoss).
 */
async function pushRetrying<T>(ctx: PushContext, push: () => Promise<T>): Promise<T> {
  const windowSeconds = env().SLIPWAY_PUSH_RETRY_SECONDS;
  let firstFailure: number | null = null;
  for (let retries = 0; ; retries++) {
    try {
      return await push();
    } catch (err) {
      if (ctx.signal.aborted || ctx.watch.lost() || isEngineConnectionError(err)) throw err;
      const failure = classifyPushFailure(err);
      if (failure?.kind === "credentials") {
        throw new RegistryError(
          ctx.registryName && ctx.username
            ? `the registry ${ctx.registryHost} refused the credentials of ${ctx.registryName} (user ${ctx.username}) while the image was pushed (${failure.detail}): check the user name and password of ${ctx.registryName} in Settings → Registries, then rebuild`
            : `the registry ${ctx.registryHost} asked for credentials while the image was pushed and Slipway has none for it (${failure.detail}): give the registry a user name and password in Settings → Registries and choose it on the deployment rule, then rebuild`,
          401,
        );
      }
      if (failure?.kind !== "unreachable") throw err;
      // a stopping engine can fail a push in the registry's words: the engine's own connection tells
      if (await ctx.watch.lostWithin(2_000)) throw err;
      firstFailure ??= Date.now();
      const elapsed = (Date.now() - firstFailure) / 1000;
      const delay = pushRetryDelaySeconds(retries + 1);
      if (windowSeconds === 0 || elapsed + delay > windowSeconds) {
        const tried = retries === 0 ? "it was not tried again" : `it was tried again ${retries} time${retries === 1 ? "" : "s"} over ${Math.round(elapsed)} s (SLIPWAY_PUSH_RETRY_SECONDS)`;
        throw new RegistryError(`the registry ${ctx.registryHost} stopped answering while the image was pushed (${failure.detail}); ${tried}: check that the registry runs and that the build host reaches it, then rebuild`, undefined, err);
      }
      ctx.log.line(`the registry ${ctx.registryHost} stopped answering (${failure.detail}): trying the push again in ${delay} s`);
      await sleep(delay * 1000, undefined, { signal: ctx.signal });
    }
  }
}

interface Published {
  deploymentRuleId: string;
  imageRepo: string;
  tag: string;
  digest: string;
  platformDigests: Record<string, string>;
  artifact: { path: string; size: number; sha256: string; target: UnikernelTargetName } | null;
  provenance: SignedProvenance;
}
interface PublishedPreview {
  deploymentRuleId: string;
  prNumber: number;
  fork: boolean;
  imageRepo: string;
  tag: string;
  digest: string;
}
type UnikernelTargetName = NonNullable<LoadedBuild["buildRule"]["unikernelTarget"]>;

/** The rule's tag with the commit: live-mirage-hvt → live-mirage-hvt-<commit>; latest → <commit>. */
export function commitTag(tag: string, sha: string): string {
  const short = sha.slice(0, 12);
  return tag === "latest" ? short : `${tag.slice(0, 128 - 13)}-${short}`;
}

/**
 * Takes /unikernel.<target> out of the built image through the Engine API and checks it (one regular ELF file
 * within the rule's size limit); its size and sha256 go on the release. The local copy is only for counting.
 */
async function takeArtifact(docker: Dockerode, image: string, target: UnikernelTargetName, maxMib: number, signal: AbortSignal, log: BuildLogWriter): Promise<{ path: string; size: number; sha256: string }> {
  const file = `/unikernel.${target}`;
  log.step(`taking ${file} out of the image`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-artifact-"));
  try {
    let got: ImageFile;
    try {
      got = await extractImageFile(docker, { image, path: file, destination: path.join(dir, `unikernel.${target}`), maxBytes: maxMib * 2 ** 20, signal });
    } catch (err) {
      if (err instanceof ImageFileError && err.problem === "missing") {
        throw new ImageFileError("missing", `the built image has no ${file}: a unikernel build's Dockerfile must leave the kernel there (it is built with --build-arg TARGET=${target})`);
      }
      throw err;
    }
    log.line(`${file}: ${got.size} bytes, sha256 ${got.sha256}`);
    return { path: file, size: got.size, sha256: got.sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type FetchedContext = { commit: Omit<CheckedOutCommit, "dir">; ctx: PreparedContext };

/**
 * Gets the build's commit and context and runs `build` with them. From the mirror's objects when `fromMirror`
 * (`get(null)`; it returns null where a checkout is needed after all), else (and then) from a checkout in a
 * temporary directory that is removed afterwards whatever happens.
 */
async function withBuildContext<T>(get: (dir: string | null) => Promise<FetchedContext | null>, fromMirror: boolean, build: (got: FetchedContext) => Promise<T>): Promise<T> {
  const got = fromMirror ? await get(null) : null;
  if (got) return build(got);
  return withTempCheckout(async (dir) => build((await get(dir))!));
}

/** This machine's git mirrors (README: SLIPWAY_GIT_CACHE_DIR, SLIPWAY_GIT_CACHE_MB); null when turned off. */
function gitMirrorCache(): MirrorCache | null {
  const e = env();
  if (e.SLIPWAY_GIT_CACHE_MB === 0) return null;
  return { root: path.resolve(e.SLIPWAY_GIT_CACHE_DIR ?? path.join(dataDirOf(e), "git-mirrors")), maxBytes: e.SLIPWAY_GIT_CACHE_MB * 2 ** 20 };
}

/** Removes the least recently used mirrors beyond the cache's bound; a failure here never fails the build. */
async function keepCacheBounded(cache: MirrorCache, current: string, log: BuildLogWriter, workerLog: Logger): Promise<void> {
  try {
    const r = await evictMirrors(cache, [current]);
    if (r.evicted.length > 0) workerLog.info({ evicted: r.evicted, bytesBefore: r.before, bytesAfter: r.after }, "git mirrors evicted (least recently used)");
    if (r.after > cache.maxBytes) {
      log.line(`the git mirrors take ${Math.round(r.after / 2 ** 20)} MB, more than SLIPWAY_GIT_CACHE_MB (${Math.round(cache.maxBytes / 2 ** 20)} MB)${r.inUse.length ? `: ${r.inUse.length} are in use by other builds` : ""}; raise the bound if this mirror alone is larger`);
    }
  } catch (err) {
    workerLog.warn({ err: describe(err), root: cache.root }, "could not keep the git mirrors under their size bound");
  }
}

function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
