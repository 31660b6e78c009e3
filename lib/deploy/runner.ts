// One deployment, start to end: claim it, reach the target's docker context (its pinned host keys first),
// put the release's image by digest on the swarm service or the compose project's containers, wait until
// the target converged and stayed up, check its health, and record how it ended. What the swarm or
// Slipway rolled back is recorded as such, never as succeeded. Every step goes to the deployment's log.
import type Dockerode from "dockerode";
import { getDb, type Tx } from "@/lib/db";
import type { Logger } from "@/lib/log";
import type { Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import type { AuditAction } from "@/lib/audit/actions";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { dockerClient, type DockerClient, type DockerContextAccess } from "@/lib/docker/engine";
import { explainDockerFailure } from "@/lib/docker/failure";
import { contextAccess } from "@/lib/services/inventory/checks";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { splitImageRef } from "@/lib/build/image-ref";
import { enqueueNotify, targetQueue, type NotifyEvent } from "@/lib/services/deployments/schedule";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { SwarmError, rollbackService, updateServiceImage, waitForConvergence, type RegistryAuth } from "@/lib/deploy/swarm";
import { ComposeError, deployComposeService } from "@/lib/deploy/compose";
import { waitForHealthy } from "@/lib/deploy/health";
import { settleOnAbort } from "@/lib/docker/abort";

export interface RunDeploymentOptions {
  workerId: string;
  log: Logger;
  /** the worker is shutting down: stop watching; the next worker re-verifies the deployment */
  signal?: AbortSignal;
}

/** How long a deployment waits when its target is still busy with a deployment being re-verified. */
const BUSY_RETRY_MS = 5_000;

export type DeploymentOutcome = { state: "succeeded" | "failed" | "rolled_back" | "interrupted"; reason: string | null } | { state: "skipped"; reason: string };

const include = {
  target: { include: { dockerContext: { select: { id: true, name: true } } } },
  release: { include: { build: { include: { commit: true } }, deploymentRule: { include: { registry: true } } } },
  previousRelease: { select: { id: true, imageRepo: true, tag: true, digest: true } },
} as const satisfies Prisma.DeploymentInclude;

type Loaded = Prisma.DeploymentGetPayload<{ include: typeof include }>;

/** Why the run stopped early: carried as the abort reason. */
class Stop extends Error {
  constructor(
    readonly kind: "timeout" | "worker_stopping",
    message: string,
  ) {
    super(message);
  }
}

/** `repo:tag@sha256:…`: what the service is set to, so every node runs exactly the release. */
export function releaseImage(r: { imageRepo: string | null; tag: string | null; digest: string | null }): string | null {
  if (!r.imageRepo || !r.digest) return null;
  return `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}@${r.digest}`;
}

function workerActor(workerId: string): Actor {
  return { type: "worker", workerId };
}

/** Claims a queued deployment: deploying, held by this worker. null when it is not queued any more. */
async function claim(deploymentId: string, workerId: string): Promise<Loaded | "busy" | null> {
  return getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string; target_id: string }[]>`SELECT state::text, target_id FROM deployments WHERE id = ${deploymentId} FOR UPDATE`;
    const row = rows[0];
    if (row?.state !== "queued") return null;
    // the target's queue runs one job at a time, but a deployment of a worker that died is still being re-verified
    const running = await tx.deployment.count({ where: { targetId: row.target_id, state: { in: ["deploying", "verifying"] } } });
    if (running > 0) return "busy";
    const d = await tx.deployment.update({
      where: { id: deploymentId },
      data: { state: "deploying", startedAt: new Date(), workerId, attempts: { increment: 1 }, reason: null },
      include,
    });
    await recordAudit(tx, {
      actor: workerActor(workerId),
      action: "deployment.started",
      subjectType: "deployment",
      subjectId: d.id,
      summary: `${d.target.name}: deploying ${releaseImage(d.release) ?? "the release"}`,
      before: { state: "queued" },
      after: { state: "deploying" },
    });
    await enqueueNotify(tx, d.id, "started");
    return d;
  });
}

const endAction: Record<"succeeded" | "failed" | "rolled_back", AuditAction> = {
  succeeded: "deployment.succeeded",
  failed: "deployment.failed",
  rolled_back: "deployment.rolled_back",
};

/** Records how the deployment ended; on success the target's current release moves to it. */
export async function endDeployment(
  tx: Tx,
  d: { id: string; targetId: string; targetName: string; releaseId: string; state: string },
  end: { state: "succeeded" | "failed" | "rolled_back"; reason: string | null; liveImage: string | null; actor: Actor; action?: AuditAction },
): Promise<void> {
  const now = new Date();
  await tx.deployment.update({ where: { id: d.id }, data: { state: end.state, reason: end.reason, finishedAt: now } });
  if (end.state === "succeeded") {
    await tx.target.update({
      where: { id: d.targetId },
      data: { currentReleaseId: d.releaseId, lastDeployedAt: now, liveImage: end.liveImage, liveCheckedAt: now, driftDetectedAt: null },
    });
  } else if (end.liveImage) {
    await tx.target.update({ where: { id: d.targetId }, data: { liveImage: end.liveImage, liveCheckedAt: now } });
  }
  await recordAudit(tx, {
    actor: end.actor,
    action: end.action ?? endAction[end.state],
    subjectType: "deployment",
    subjectId: d.id,
    summary: `${d.targetName}: ${end.state.replace("_", " ")}${end.reason ? `: ${end.reason}` : ""}`,
    before: { state: d.state },
    after: { state: end.state, reason: end.reason },
  });
  await enqueueNotify(tx, d.id, end.state as NotifyEvent);
}

/** Registry credentials for pulling the release's image on the target's nodes. */
async function registryAuth(d: Loaded): Promise<RegistryAuth | undefined> {
  const reg = d.release.deploymentRule.registry;
  if (!reg?.username || !reg.passwordSecretId) return undefined;
  const password = await revealSecret(reg.passwordSecretId);
  if (!password) return undefined;
  return { username: reg.username, password, serveraddress: reg.url || splitImageRef(`${d.release.imageRepo}:${d.release.tag ?? "latest"}`).registryHost };
}

function describe(err: unknown, client: DockerClient | null, access: DockerContextAccess | null): string {
  if (err instanceof Stop) return err.message;
  // a changed host key is said as such whatever layer reported the failed connection
  const refusedKey = client?.hostKeyVerdict()?.accepted === false;
  if ((err instanceof SwarmError || err instanceof ComposeError) && !refusedKey) return err.message;
  if (client && access) {
    const f = explainDockerFailure(client, access, err, 15_000);
    if (f.reason === "host_key_changed" && f.presented) {
      return `${f.message} Presented ${f.presented.algorithm} ${f.presented.fingerprintSha256}; pinned ${f.pinned?.join(", ") || "none"}.`;
    }
    return f.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export async function runDeployment(deploymentId: string, opts: RunDeploymentOptions): Promise<DeploymentOutcome> {
  const claimed = await claim(deploymentId, opts.workerId);
  if (claimed === null) return { state: "skipped", reason: "the deployment is not queued (cancelled, superseded or already taken)" };
  if (claimed === "busy") {
    // a deployment of a worker that died is still being re-verified: try again shortly, on the same queue
    await getDb().$transaction(async (tx) => {
      const row = await tx.deployment.findUniqueOrThrow({ where: { id: deploymentId }, select: { targetId: true } });
      await enqueueJob(tx, "deploy_run", { deploymentId }, { queueName: targetQueue(row.targetId), maxAttempts: 1, runAt: new Date(Date.now() + BUSY_RETRY_MS) });
    });
    return { state: "skipped", reason: "another deployment of this target is still being verified; retried in a few seconds" };
  }
  const d = claimed;
  const t = d.target;
  const actor = workerActor(opts.workerId);
  const image = releaseImage(d.release);
  const previous = d.previousRelease ? releaseImage(d.previousRelease) : null;

  const controller = new AbortController();
  const signal = controller.signal;
  const onWorkerStop = () => controller.abort(new Stop("worker_stopping", `worker ${opts.workerId} was shut down while watching the deployment`));
  opts.signal?.addEventListener("abort", onWorkerStop, { once: true });
  // converging, then the health window, then a possible rollback that converges again
  const budgetMs = (t.convergeTimeoutSeconds * 2 + t.healthTimeoutSeconds + t.monitorSeconds * 2 + 60) * 1000;
  const timer = setTimeout(() => controller.abort(new Stop("timeout", `the deployment took longer than ${Math.round(budgetMs / 1000)} s in all and was stopped`)), budgetMs);

  const log = await BuildLogWriter.openDeployment(d.id, []);
  let client: DockerClient | null = null;
  let access: DockerContextAccess | null = null;
  let liveImage: string | null = null;
  /** the state the row is in now, for the audit event's "before" */
  let current: "deploying" | "verifying" = "deploying";
  const end = async (state: "succeeded" | "failed" | "rolled_back", reason: string | null) => {
    const masked = reason === null ? null : log.mask(reason);
    log.step(`${state.replace("_", " ")}${masked ? `: ${masked}` : ""}`);
    await getDb().$transaction((tx) => endDeployment(tx, { id: d.id, targetId: t.id, targetName: t.name, releaseId: d.releaseId, state: current }, { state, reason: masked, liveImage, actor }));
    return { state, reason: masked };
  };
  let outcome: DeploymentOutcome;
  try {
    if (!image) throw new Error("the release has no image digest; it cannot be deployed");
    if (!t.dockerContextId || !t.dockerContext) throw new Error(`${t.name} names no docker context; set one on its deployment rule`);
    const auth = await registryAuth(d);
    if (auth) log.addSecrets([auth.password]);
    log.step(`deployment ${d.id}: ${image} to ${t.kind === "swarm_service" ? "swarm service " : `compose service ${t.composeProject}/`}${t.service} through context ${t.dockerContext.name}`);
    log.line(`commit ${d.release.build.commit.sha}${d.release.build.commit.message ? ` ${d.release.build.commit.message.split("\n")[0]}` : ""}`);
    if (previous) log.line(`previous release: ${previous}`);
    const ctx = await contextAccess(t.dockerContextId);
    access = ctx.access;
    client = dockerClient(access, { timeoutMs: 15_000 });
    const docker: Dockerode = client.docker;
    const say = (line: string) => log.line(line);
    const monitorMs = t.monitorSeconds * 1000;
    const convergeMs = t.convergeTimeoutSeconds * 1000;

    if (t.kind === "swarm_service") {
      log.step(`updating the service ${t.service}`);
      const up = await settleOnAbort(updateServiceImage(docker, { service: t.service, image, auth, signal, log: say }), signal);
      await getDb().deployment.update({ where: { id: d.id }, data: { state: "verifying", serviceVersion: BigInt(up.versionBefore) } });
      current = "verifying";
      log.step(`waiting for ${t.service} to converge (every replica on the new image, then ${t.monitorSeconds} s without a failure)`);
      const conv = await settleOnAbort(waitForConvergence(docker, { serviceId: up.serviceId, image, monitorMs, timeoutMs: convergeMs, signal, log: say }), signal);
      if (conv.outcome === "rolled_back") {
        liveImage = up.previousImage;
        outcome = await end("rolled_back", `the swarm rolled the update back: ${conv.message}`);
      } else if (conv.outcome === "failed") {
        log.step("rolling the service back to its previous image");
        const rb = await settleOnAbort(rollbackService(docker, { service: t.service, auth, monitorMs, timeoutMs: convergeMs, signal, log: say }), signal);
        liveImage = rb.image;
        outcome = await end("failed", `${conv.message}; ${rb.outcome === "converged" ? `rolled back to ${rb.image ?? "the previous image"}` : `the rollback did not converge either: ${"message" in rb ? rb.message : ""}`}`);
      } else {
        liveImage = image;
        const health = await checkHealth(d, signal, say, log);
        if (health) {
          log.step(`health check failed: rolling ${t.service} back to its previous image`);
          const rb = await settleOnAbort(rollbackService(docker, { service: t.service, auth, monitorMs, timeoutMs: convergeMs, signal, log: say }), signal);
          liveImage = rb.image;
          outcome = await end("failed", `${health}; ${rb.outcome === "converged" ? `rolled back to ${rb.image ?? "the previous image"}` : `the rollback did not converge: ${"message" in rb ? rb.message : ""}`}`);
        } else {
          outcome = await end("succeeded", null);
        }
      }
    } else if (t.kind === "compose_service") {
      if (!t.composeProject) throw new Error(`${t.name} is a compose service but names no compose project`);
      const project = t.composeProject;
      log.step(`recreating the containers of ${project}/${t.service} one at a time`);
      const res = await settleOnAbort(deployComposeService(docker, { project, service: t.service, image, auth, settleMs: monitorMs, healthTimeoutMs: t.healthTimeoutSeconds * 1000, signal, log: say }), signal);
      await getDb().deployment.update({ where: { id: d.id }, data: { state: "verifying" } });
      current = "verifying";
      if (res.outcome === "restored") {
        liveImage = previous;
        outcome = await end("failed", res.message ?? "a container did not stay up; the previous containers were restored");
      } else {
        liveImage = image;
        const health = await checkHealth(d, signal, say, log);
        if (health && previous) {
          log.step(`health check failed: putting ${previous} back on ${project}/${t.service}`);
          const back = await settleOnAbort(deployComposeService(docker, { project, service: t.service, image: previous, auth, settleMs: monitorMs, healthTimeoutMs: t.healthTimeoutSeconds * 1000, signal, log: say }), signal);
          liveImage = back.outcome === "converged" ? previous : image;
          outcome = await end("failed", `${health}; ${back.outcome === "converged" ? `rolled back to ${previous}` : `putting the previous image back failed too: ${back.message ?? ""}`}`);
        } else if (health) {
          outcome = await end("failed", `${health}; there is no previous release to roll back to, so the new containers were left running`);
        } else {
          outcome = await end("succeeded", null);
        }
      }
    } else {
      throw new Error(`${t.name} is a unikernel target; unikernel deployments are not supported by this worker yet`);
    }
  } catch (err) {
    const stop = signal.aborted && signal.reason instanceof Stop ? signal.reason : null;
    if (stop?.kind === "worker_stopping") {
      // the target may be half-way: the next worker's reaper re-verifies it against the live service
      log.step(`interrupted: ${stop.message}; the next worker re-verifies the service`);
      outcome = { state: "interrupted", reason: stop.message };
    } else {
      const reason = describe(stop ?? err, client, access);
      try {
        outcome = await end("failed", reason);
      } catch (endErr) {
        opts.log.error({ deploymentId: d.id, err: endErr instanceof Error ? endErr.message : String(endErr) }, "could not record the end of the deployment; the reaper will");
        outcome = { state: "interrupted", reason };
      }
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onWorkerStop);
    try {
      await log.close();
    } catch (err) {
      opts.log.error({ deploymentId: d.id, err: err instanceof Error ? err.message : String(err) }, "could not store the end of the deployment log");
    }
  }
  opts.log.info({ deploymentId: d.id, state: outcome.state }, "deployment ended");
  return outcome;
}

/** The health check after convergence: null when healthy (or none configured), else why not. */
async function checkHealth(d: Loaded, signal: AbortSignal, say: (l: string) => void, log: BuildLogWriter): Promise<string | null> {
  const t = d.target;
  if (!t.healthUrl) {
    say("no health URL on this target: converged and running is healthy (an image HEALTHCHECK is waited for by the engine)");
    return null;
  }
  log.step(`health check: ${t.healthUrl} must answer 2xx within ${t.healthTimeoutSeconds} s`);
  const r = await waitForHealthy(t.healthUrl, { windowMs: t.healthTimeoutSeconds * 1000, signal, log: say });
  return r.ok ? null : `health check failed: ${r.message}`;
}
