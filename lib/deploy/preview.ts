// The preview engine (worker side): a pull request's preview is its own swarm service, <service>-pr-<n>, on the
// rule's preview context (lib/services/previews/schedule.ts decides when). run: the service is created or
// brought to the new digest and watched until its task runs and stays up; teardown: docker service rm; sweep:
// previews past their time to live are torn down (and a preview left without its job, or whose worker died while
// deploying it, gets a new one). Each ends in one transaction with its audit event, the
// pull request's comment job, and (a tear-down) the start of the rule's waiting previews. Previews never get
// Slipway's secrets: the service gets the image, the labels and nothing else.
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import type { Logger } from "@/lib/log";
import { recordAudit } from "@/lib/audit/record";
import { dockerClient } from "@/lib/docker/engine";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { contextAccess } from "@/lib/services/inventory/access";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { enqueuePreviewComment, previewQueue, requestPreviewTeardown, startWaitingPreviews } from "@/lib/services/previews/schedule";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { liveJobExists } from "@/lib/jobs/pending";
import { splitImageRef } from "@/lib/build/image-ref";
import { waitForConvergence } from "@/lib/deploy/targets/swarm/convergence";
import { ensureService, removeService } from "@/lib/deploy/targets/swarm/lifecycle";
import { SwarmError } from "@/lib/deploy/targets/swarm/engine";
import { explainDockerFailure } from "@/lib/docker/failure";
import { PREVIEW_TEARABLE_STATES, previewLabelsFor } from "@/lib/validation/previews";

/** How long a preview's task gets to start and stay up for PREVIEW_MONITOR_MS. */
export const PREVIEW_CONVERGE_TIMEOUT_MS = 5 * 60_000;
export const PREVIEW_MONITOR_MS = 2_000;
/** The label Slipway puts on a preview's service: its value is the deployment rule's id. */
export const PREVIEW_OWNER_LABEL = "slipway.preview";
const CLIENT_TIMEOUT_MS = 15_000;

export interface PreviewRunOptions {
  workerId: string;
  log: Logger;
  signal?: AbortSignal;
}

const ruleInclude = {
  deploymentRule: {
    select: {
      id: true,
      previewEnabled: true,
      previewContextId: true,
      previewLabels: true,
      previewPort: true,
      previewNetwork: true,
      previewTtlHours: true,
      registry: { select: { username: true, passwordSecretId: true } },
      targets: { where: { archivedAt: null, kind: "swarm_service" as const }, orderBy: { createdAt: "asc" as const }, select: { dockerContextId: true }, take: 1 },
    },
  },
} as const;

type LoadedPreview = NonNullable<Awaited<ReturnType<typeof loadPreview>>>;

function loadPreview(id: string) {
  return getDb().preview.findUnique({ where: { id }, include: ruleInclude });
}

/** The context previews of the rule run on: its own, else its first swarm target's. */
function contextOf(p: LoadedPreview): string | null {
  return p.deploymentRule.previewContextId ?? p.deploymentRule.targets[0]?.dockerContextId ?? null;
}

async function registryAuth(p: LoadedPreview): Promise<RegistryAuth | undefined> {
  const r = p.deploymentRule.registry;
  if (!r?.username || !r.passwordSecretId) return undefined;
  const password = await revealSecret(r.passwordSecretId);
  return password ? { username: r.username, password, serveraddress: splitImageRef(`${p.imageRepo}:${p.tag}`).registryHost } : undefined;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Opens the rule's preview context; the client, and the words for a failure through it. */
async function openContext(p: LoadedPreview) {
  const contextId = contextOf(p);
  if (!contextId) throw new SwarmError("the deployment rule has no preview context and no swarm target: set preview.context on the rule (slipway.yml or Repositories)", "update_rejected");
  const { access } = await contextAccess(contextId);
  const client = dockerClient(access, { timeoutMs: CLIENT_TIMEOUT_MS });
  // Slipway's own words as they are, unless the way to the engine failed (then said by what refused it)
  const explain = (err: unknown) =>
    err instanceof SwarmError && err.cause === undefined ? err.message : explainDockerFailure(client, access, err instanceof SwarmError ? err.cause : err, CLIENT_TIMEOUT_MS).message;
  return { docker: client.docker, explain };
}

/**
 * Runs the queued preview: creates its service, or moves it to the preview's digest, and waits until its task
 * runs the image and stays up. A newer commit recorded meanwhile (the row moved on) is left to its own run job.
 */
export async function runPreview(previewId: string, opts: PreviewRunOptions): Promise<{ state: string; reason: string | null }> {
  const claimed = await getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM previews WHERE id = ${previewId} FOR UPDATE`;
    if (rows[0]?.state !== "queued") return null;
    return tx.preview.update({ where: { id: previewId }, data: { state: "deploying", reason: null }, include: ruleInclude });
  });
  if (!claimed) return { state: "skipped", reason: "the preview is not queued (torn down, or taken by another run)" };
  const p = claimed;
  const actor: Actor = { type: "worker", workerId: opts.workerId };
  const image = `${p.imageRepo}:${p.tag}@${p.digest}`;
  const log = (line: string) => opts.log.info({ previewId, service: p.service }, line);
  const signal = opts.signal ?? new AbortController().signal;
  let outcome: { ok: true } | { ok: false; reason: string };
  let explain: (err: unknown) => string = errorText;
  try {
    const ctx = await openContext(p);
    explain = ctx.explain;
    const labels = previewLabelsFor(p.deploymentRule.previewLabels, { ruleId: p.deploymentRuleId, prNumber: p.prNumber, service: p.service, url: p.url, port: p.deploymentRule.previewPort });
    const { [PREVIEW_OWNER_LABEL]: _owner, ...rest } = labels;
    const up = await ensureService(
      ctx.docker,
      { name: p.service, image, labels: rest, owner: { label: PREVIEW_OWNER_LABEL, value: p.deploymentRuleId }, network: p.deploymentRule.previewNetwork, env: [] },
      { auth: await registryAuth(p), signal, log },
    );
    const conv = await waitForConvergence(ctx.docker, { serviceId: up.serviceId, image, monitorMs: PREVIEW_MONITOR_MS, timeoutMs: PREVIEW_CONVERGE_TIMEOUT_MS, signal, log });
    outcome = conv.outcome === "converged" ? { ok: true } : { ok: false, reason: conv.message };
    if (up.created) log(`service ${p.service} created`);
  } catch (err) {
    outcome = { ok: false, reason: explain(err) };
  }
  const now = new Date();
  const result = outcome;
  await getDb().$transaction(async (tx) => {
    // only the run of the row's current commit, still deploying, writes its end (a newer commit or a tear-down took over)
    const data = result.ok
      ? { state: "running" as const, reason: null, deployedAt: now, expiresAt: new Date(now.getTime() + p.deploymentRule.previewTtlHours * 3_600_000) }
      : { state: "failed" as const, reason: result.reason.slice(0, 2000) };
    const ended = await tx.preview.updateMany({ where: { id: p.id, state: "deploying", digest: p.digest }, data });
    if (ended.count === 0) return;
    await recordAudit(
      tx,
      result.ok
        ? { actor, action: "preview.deployed", subjectType: "preview", subjectId: p.id, summary: `${p.service} runs ${image}${p.url ? ` at ${p.url}` : ""}`, after: { image, url: p.url, expiresAt: data.state === "running" ? data.expiresAt : null } }
        : { actor, action: "preview.failed", subjectType: "preview", subjectId: p.id, summary: `${p.service}: ${result.reason}`.slice(0, 1000), after: { image, reason: result.reason } },
    );
    await enqueuePreviewComment(tx, p.id);
  });
  return result.ok ? { state: "running", reason: null } : { state: "failed", reason: result.reason };
}

/**
 * Removes the preview's service (a preview being torn down), then records it torn down and starts the rule's
 * waiting previews. A failure to reach the swarm is thrown: the job is tried again (its attempts are bounded).
 */
export async function removePreview(previewId: string, opts: PreviewRunOptions): Promise<{ state: string; result: string }> {
  const p = await loadPreview(previewId);
  if (!p || p.state !== "tearing_down") return { state: p?.state ?? "gone", result: "not being torn down (a newer commit brought it back, or it is gone)" };
  const actor: Actor = { type: "worker", workerId: opts.workerId };
  const log = (line: string) => opts.log.info({ previewId, service: p.service }, line);
  const signal = opts.signal ?? new AbortController().signal;
  let result: "removed" | "missing" | "not_ours" | "no context";
  if (contextOf(p) === null) {
    result = "no context";
  } else {
    const ctx = await openContext(p);
    try {
      result = await removeService(ctx.docker, { name: p.service, owner: { label: PREVIEW_OWNER_LABEL, value: p.deploymentRuleId } }, { signal, log });
    } catch (err) {
      throw new Error(`could not remove ${p.service}: ${ctx.explain(err)}`, { cause: err });
    }
  }
  await getDb().$transaction(async (tx) => {
    const ended = await tx.preview.updateMany({ where: { id: p.id, state: "tearing_down" }, data: { state: "torn_down", tornDownAt: new Date(), expiresAt: null } });
    if (ended.count === 0) return;
    await recordAudit(tx, {
      actor, action: "preview.torn_down", subjectType: "preview", subjectId: p.id,
      summary: `${p.service} ${result === "removed" ? "removed" : result === "not_ours" ? "left alone: a service of that name is someone else's" : "was not on the swarm"} (${p.reason ?? "torn down"})`,
      after: { service: p.service, result, reason: p.reason },
    });
    await enqueuePreviewComment(tx, p.id);
    await startWaitingPreviews(tx, p.deploymentRuleId);
  });
  return { state: "torn_down", result };
}

/** A queued or tearing-down preview without a job this long (its worker or its job's retries gave up) gets a new one. */
export const PREVIEW_STUCK_AFTER_MS = 10 * 60_000;
/**
 * A preview being deployed whose run job is gone (its worker was killed mid-run: the reaper freed the dead worker's
 * lock, and the run had its one attempt) is deployed again after this long: ensureService and the convergence wait
 * start from what the swarm has, so a second run is harmless.
 */
export const PREVIEW_INTERRUPTED_AFTER_MS = 60_000;

/**
 * The minute's sweep: running previews past their time to live are torn down; a preview left queued or being torn
 * down without a job to do it (a worker that stopped, a swarm that stayed unreachable through the job's attempts)
 * gets a new job, at most every PREVIEW_STUCK_AFTER_MS.
 */
export async function sweepPreviews(opts: { workerId: string; now?: Date }): Promise<{ expired: string[]; resubmitted: string[]; switchedOff: string[]; interrupted: string[] }> {
  const now = opts.now ?? new Date();
  const actor: Actor = { type: "worker", workerId: opts.workerId };
  const db = getDb();
  const expired = await db.preview.findMany({ where: { state: "running", expiresAt: { lte: now } }, select: { id: true, service: true, deploymentRule: { select: { previewTtlHours: true } } }, take: 100 });
  const out = { expired: [] as string[], resubmitted: [] as string[], switchedOff: [] as string[], interrupted: [] as string[] };
  // a rule whose previews were turned off (preview.enabled: false) or that was removed from the inventory (archived)
  // keeps no preview running: each is torn down, as if its pull request had closed
  const off = await db.preview.findMany({
    where: { state: { in: [...PREVIEW_TEARABLE_STATES] }, deploymentRule: { OR: [{ previewEnabled: false }, { archivedAt: { not: null } }] } },
    select: { id: true, service: true, deploymentRule: { select: { archivedAt: true } } },
    take: 100,
  });
  for (const o of off) {
    const reason = o.deploymentRule.archivedAt ? "its deployment rule was removed from the inventory" : "previews were turned off for its deployment rule";
    const done = await db.$transaction(async (tx) => {
      if (!(await requestPreviewTeardown(tx, o.id, reason))) return false;
      await recordAudit(tx, { actor, action: "preview.teardown_requested", subjectType: "preview", subjectId: o.id, summary: `${o.service}: ${reason}` });
      return true;
    });
    if (done) out.switchedOff.push(o.id);
  }
  for (const e of expired) {
    const reason = `its time to live (${e.deploymentRule.previewTtlHours} h after its last deploy) ran out`;
    const done = await db.$transaction(async (tx) => {
      if (!(await requestPreviewTeardown(tx, e.id, reason))) return false;
      await recordAudit(tx, { actor, action: "preview.teardown_requested", subjectType: "preview", subjectId: e.id, summary: `${e.service}: ${reason}` });
      return true;
    });
    if (done) out.expired.push(e.id);
  }
  const stuck = await db.$queryRaw<{ id: string; state: "queued" | "tearing_down" }[]>`
    SELECT p.id, p.state::text AS state FROM previews p
    WHERE p.state IN ('queued', 'tearing_down') AND p.updated_at < ${new Date(now.getTime() - PREVIEW_STUCK_AFTER_MS)}
      AND NOT ${liveJobExists("preview_run", "previewId", "p.id")} AND NOT ${liveJobExists("preview_teardown", "previewId", "p.id")}
    LIMIT 100`;
  for (const p of stuck) {
    await db.$transaction(async (tx) => {
      // touched, so the next sweep leaves it alone for a while
      const still = await tx.preview.updateMany({ where: { id: p.id, state: p.state }, data: { updatedAt: now } });
      if (still.count === 0) return;
      if (p.state === "queued") await enqueueJob(tx, "preview_run", { previewId: p.id }, { queueName: previewQueue(p.id), jobKey: `preview_run:${p.id}`, jobKeyMode: "replace", maxAttempts: 1 });
      else await enqueueJob(tx, "preview_teardown", { previewId: p.id }, { queueName: previewQueue(p.id), jobKey: `preview_teardown:${p.id}`, jobKeyMode: "replace", maxAttempts: 5 });
      out.resubmitted.push(p.id);
    });
  }
  // deploying, and no run job holds it or will (a killed worker's job, unlocked by the reaper, had its only attempt)
  const interrupted = await db.$queryRaw<{ id: string; service: string }[]>`
    SELECT p.id, p.service FROM previews p
    WHERE p.state = 'deploying' AND p.updated_at < ${new Date(now.getTime() - PREVIEW_INTERRUPTED_AFTER_MS)}
      AND NOT EXISTS (
        SELECT 1 FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = 'preview_run' AND j.payload->>'previewId' = p.id AND (j.locked_by IS NOT NULL OR j.attempts < j.max_attempts))
    LIMIT 100`;
  for (const p of interrupted) {
    const reason = "its worker stopped while deploying it: deploying again";
    const done = await db.$transaction(async (tx) => {
      const back = await tx.preview.updateMany({ where: { id: p.id, state: "deploying" }, data: { state: "queued", reason } });
      if (back.count === 0) return false;
      await enqueueJob(tx, "preview_run", { previewId: p.id }, { queueName: previewQueue(p.id), jobKey: `preview_run:${p.id}`, jobKeyMode: "replace", maxAttempts: 1 });
      await recordAudit(tx, { actor, action: "preview.redeployed", subjectType: "preview", subjectId: p.id, summary: `${p.service}: ${reason}` });
      await enqueuePreviewComment(tx, p.id);
      return true;
    });
    if (done) out.interrupted.push(p.id);
  }
  return out;
}
