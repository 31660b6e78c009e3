// The swarm service driver: the service's image is set to the release's `repo:tag@sha256:…` against its
// version index, and the deployment is done when every replica runs it and stays up for the target's monitor
// window (a target without one: as long as the swarm watches the update, its UpdateConfig.Monitor). A swarm
// that rolls the update back itself says so; Slipway rolls it back (to the swarm's previous spec) when it did
// not converge or failed its health check.
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { settleOnAbort } from "@/lib/docker/abort";
import type { Applied, DeployIo, DeployTarget, TargetDriver, TargetSession } from "@/lib/deploy/targets/driver";
import { contextName, explainDockerError, imageDigest, openDockerContext, type DockerTargetClient } from "@/lib/deploy/targets/docker";
import { inspectRaw, SwarmError } from "@/lib/deploy/targets/swarm/engine";
import { swarmMonitorMs } from "@/lib/validation/monitor-window";
import { inspectServiceImage, waitForConvergence } from "@/lib/deploy/targets/swarm/convergence";
import { rollbackService, updateServiceImage } from "@/lib/deploy/targets/swarm/update";

/** What apply() learnt, for converge() and restore(); re-verification hands converge() none of it. */
interface SwarmApplied extends Applied {
  serviceId?: string;
  /** the image the spec named before the update: what a rollback by the swarm leaves running */
  previousImage?: string | null;
  auth?: RegistryAuth;
  /** the service's UpdateConfig.Monitor as apply() read it (ms) */
  swarmMonitorMs?: number;
}

/** Where the window came from, said in the log beside it, for a target without a window of its own. */
const FROM_SERVICE = "the service's UpdateConfig.Monitor";

const isSwarmError = (err: unknown): err is SwarmError => err instanceof SwarmError;

function swarmSession(t: DeployTarget, opened: DockerTargetClient): TargetSession {
  const docker = opened.client.docker;
  const service = t.service;
  /** the target's own window; null: the swarm's watch of the update, read from the service */
  const ownMonitorMs = t.monitorSeconds === null ? null : t.monitorSeconds * 1000;
  const timeoutMs = t.convergeTimeoutSeconds * 1000;
  const say = (io: DeployIo) => (line: string) => io.log.line(line);
  const explain = (err: unknown) => explainDockerError(err, opened, isSwarmError);
  return {
    async live(io) {
      try {
        const s = await settleOnAbort(inspectServiceImage(docker, service, io.signal), io.signal);
        return { state: "found", identity: imageDigest(s.image), reference: s.image, converged: s.converged, settling: s.converged ? null : `the swarm is still updating ${service}`, description: s.detail };
      } catch (err) {
        const reason = explain(err);
        return err instanceof SwarmError && err.reason === "service_missing" ? { state: "not_found", reason } : { state: "unreachable", reason };
      }
    },

    async apply(release, io): Promise<SwarmApplied> {
      io.log.step(`updating the service ${service}`);
      const up = await updateServiceImage(docker, { service, image: release.image, auth: release.auth, signal: io.signal, log: say(io) });
      return {
        reference: release.image,
        version: up.versionBefore,
        waiting: `waiting for ${service} to converge (every replica on the new image, then ${(ownMonitorMs ?? up.swarmMonitorMs) / 1000} s without a failure)`,
        serviceId: up.serviceId,
        previousImage: up.previousImage,
        auth: release.auth,
        swarmMonitorMs: up.swarmMonitorMs,
      };
    },

    async converge(applied: SwarmApplied, io) {
      let serviceId = applied.serviceId;
      let watched = applied.swarmMonitorMs;
      if (serviceId === undefined || (ownMonitorMs === null && watched === undefined)) {
        // re-verification after a worker crash: apply() read none of it
        const raw = await inspectRaw(docker, service, io.signal);
        serviceId ??= raw.ID;
        watched ??= swarmMonitorMs(raw.Spec?.UpdateConfig?.Monitor);
      }
      const monitorMs = ownMonitorMs ?? watched ?? swarmMonitorMs(undefined);
      const conv = await waitForConvergence(docker, { serviceId, image: applied.reference, monitorMs, monitorSource: ownMonitorMs === null ? FROM_SERVICE : undefined, timeoutMs, signal: io.signal, log: say(io) });
      if (conv.outcome === "rolled_back") return { outcome: "rolled_back", by: "the swarm", message: conv.message, live: applied.previousImage ?? null };
      if (conv.outcome === "failed") return { outcome: "failed", message: conv.message, restored: false };
      return conv;
    },

    async restore(applied: SwarmApplied, _previous, cause, io) {
      // the swarm keeps the spec it ran before the update: that is what comes back, whatever the last release was
      io.log.step(cause === "unhealthy" ? `health check failed: rolling ${service} back to its previous image` : "rolling the service back to its previous image");
      const rb = await rollbackService(docker, { service, auth: applied.auth, monitorMs: ownMonitorMs, timeoutMs, signal: io.signal, log: say(io) });
      if (rb.outcome === "converged") return { live: rb.image, summary: `rolled back to ${rb.image ?? "the previous image"}` };
      return { live: rb.image, summary: `the rollback did not converge${cause === "unhealthy" ? "" : " either"}: ${"message" in rb ? rb.message : ""}` };
    },

    explain,
    // the client opens a connection per engine request: nothing stays open
    close: async () => undefined,
  };
}

export const swarmDriver: TargetDriver = {
  place: (t) => `swarm service ${t.service} through context ${contextName(t)}`,
  identity: (release) => release.digest,
  async open(t, inventory) {
    return swarmSession(t, await openDockerContext(t, inventory));
  },
};
