// The compose service driver (a target with `compose_project`): the containers labelled with the project and
// service are recreated on the release's image one at a time, each checked running (and healthy when it has a
// HEALTHCHECK) before the next, so apply() has waited already and a failure there has put the previous
// containers back. After a failed health check the previous release's image is put back the same way.
import { fixedMonitorSeconds } from "@/lib/validation/monitor-window";
import { settleOnAbort } from "@/lib/docker/abort";
import type { Applied, DeployIo, DeployTarget, TargetDriver, TargetSession } from "@/lib/deploy/targets/driver";
import { contextName, explainDockerError, imageDigest, openDockerContext, type DockerTargetClient } from "@/lib/deploy/targets/docker";
import { ComposeError } from "@/lib/deploy/targets/compose/containers";
import { deployComposeService, inspectComposeService, type ComposeResult, type DeployComposeOptions } from "@/lib/deploy/targets/compose/service";

interface ComposeApplied extends Applied {
  /** how recreating the containers went (apply() waits for each) */
  result?: ComposeResult;
}

const isComposeError = (err: unknown): err is ComposeError => err instanceof ComposeError;

function project(t: DeployTarget): string {
  if (!t.composeProject) throw new Error(`${t.name} is a compose service but names no compose project`);
  return t.composeProject;
}

function composeSession(t: DeployTarget, opened: DockerTargetClient): TargetSession {
  const docker = opened.client.docker;
  const where = `${project(t)}/${t.service}`;
  const recreate = (image: string, auth: DeployComposeOptions["auth"], io: DeployIo) =>
    deployComposeService(docker, { project: project(t), service: t.service, image, auth, settleMs: fixedMonitorSeconds(t) * 1000, healthTimeoutMs: t.healthTimeoutSeconds * 1000, signal: io.signal, log: (line) => io.log.line(line) });
  return {
    async live(io) {
      try {
        const c = await settleOnAbort(inspectComposeService(docker, project(t), t.service, io.signal), io.signal);
        const images = [...new Set(c.images)];
        // a service without containers runs nothing (it is not "not found": compose has no service object)
        const image = images.length === 1 ? images[0]! : images.length ? images.join(", ") : null;
        return { state: "found", identity: imageDigest(image), reference: image, converged: images.length === 1 && c.running === c.total && c.total > 0, settling: null, description: c.detail };
      } catch (err) {
        return { state: "unreachable", reason: explainDockerError(err, opened, isComposeError) };
      }
    },

    async apply(release, io): Promise<ComposeApplied> {
      io.log.step(`recreating the containers of ${where} one at a time`);
      const result = await recreate(release.image, release.auth, io);
      return { reference: release.image, version: null, waiting: null, result };
    },

    async converge(applied: ComposeApplied) {
      // apply() waited for every container; live() never says `settling`, so nothing else comes here
      if (!applied.result) return { outcome: "failed", message: `the containers of ${where} were not recreated by this deployment`, restored: false };
      if (applied.result.outcome === "restored") return { outcome: "failed", message: applied.result.message ?? "a container did not stay up; the previous containers were restored", restored: true };
      return { outcome: "converged" };
    },

    async restore(applied, previous, cause, io) {
      if (!previous) return { live: applied.reference, summary: "there is no previous release to roll back to, so the new containers were left running" };
      io.log.step(`${cause === "unhealthy" ? "health check failed: " : ""}putting ${previous.image} back on ${where}`);
      const back = await recreate(previous.image, previous.auth, io);
      if (back.outcome === "converged") return { live: previous.image, summary: `rolled back to ${previous.image}` };
      return { live: applied.reference, summary: `putting the previous image back failed too: ${back.message ?? ""}` };
    },

    explain: (err) => explainDockerError(err, opened, isComposeError),
    // the client opens a connection per engine request: nothing stays open
    close: async () => undefined,
  };
}

export const composeDriver: TargetDriver = {
  place(t) {
    const context = contextName(t);
    return `compose service ${project(t)}/${t.service} through context ${context}`;
  },
  identity: (release) => release.digest,
  async open(t, inventory) {
    return composeSession(t, await openDockerContext(t, inventory));
  },
};
