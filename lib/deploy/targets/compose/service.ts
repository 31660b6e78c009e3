// Deploying to a service of a compose project without the docker-compose binary: its containers are
// recreated on the new image through the Engine API, one at a time, each checked running (and healthy) before
// the next; when one fails, every container already switched is put back as it was. And the one look at the
// service that re-verification and the drift check take.
import type Dockerode from "dockerode";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import {
  byNumberThenName,
  ComposeError,
  containerName,
  isTemporary,
  listLabelled,
  listedName,
  NUMBER_LABEL,
  OLD_SUFFIX,
  PROJECT_LABEL,
  removeContainer,
  RESTORE_CALL_MS,
  SERVICE_LABEL,
  SLIPWAY_IMAGE_LABEL,
  type ComposeFailureReason,
} from "@/lib/deploy/targets/compose/containers";
import { engineMessage } from "@/lib/docker/failure";
import type { ContainerConfig } from "@/lib/deploy/targets/compose/new-container";
import { pullImage } from "@/lib/deploy/targets/compose/pull";
import { StepFailure } from "@/lib/deploy/targets/compose/started";
import { clearLeftovers, restoreAll, switchContainer, type Slot } from "@/lib/deploy/targets/compose/switch";

export interface ComposeResult {
  outcome: "converged" | "restored";
  message?: string;
  /** with "restored": why the new image was given up */
  reason?: ComposeFailureReason;
  /** names of the service's containers running now */
  containers: string[];
}

export interface DeployComposeOptions {
  project: string;
  service: string;
  /** the full reference, e.g. registry.example.com/shop/web:v2@sha256:… */
  image: string;
  auth?: RegistryAuth;
  /** how long a new container must keep running before it counts as started */
  settleMs: number;
  /** how long a new container with a health check may take to become healthy (from its start) */
  healthTimeoutMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

const DEFAULT_STOP_SECONDS = 10;

/** The service's running containers for the result (the caller's signal may be aborted by now). */
async function runningNames(docker: Dockerode, project: string, service: string, log: (line: string) => void): Promise<string[]> {
  try {
    const listed = await listLabelled(docker, project, service, AbortSignal.timeout(RESTORE_CALL_MS));
    return listed
      .filter((c) => c.State === "running" && !isTemporary(listedName(c)))
      .sort(byNumberThenName)
      .map(listedName);
  } catch (err) {
    log(`Could not list the running containers afterwards: ${engineMessage(err)}`);
    return [];
  }
}

function noContainers(project: string, service: string): ComposeError {
  return new ComposeError(
    `No containers of service "${service}" in compose project "${project}" on this engine (looked for containers labelled ${PROJECT_LABEL}=${project} and ${SERVICE_LABEL}=${service}). ` +
      "Check the project and service names (docker compose ls, docker compose ps) and that the project was started with docker compose up on this Docker context.",
    "no_containers",
  );
}

function cancelled(what: string): ComposeError {
  return new ComposeError(`The deployment was cancelled ${what}`, "cancelled");
}

/** Runs an engine call outside a switch: aborts become "cancelled", engine failures "engine_error". */
async function engineStep<T>(signal: AbortSignal, what: string, call: () => Promise<T>, changes = false): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ComposeError) throw err;
    if (signal.aborted) throw cancelled(`while ${what}${changes ? "" : "; no container was changed"}`);
    throw new ComposeError(`The Docker engine failed while ${what}: ${engineMessage(err)}`, "engine_error", { cause: err });
  }
}

/**
 * Pulls `image` (with `auth` when given), then recreates each container of the project's service on it, one
 * at a time (by container number, then name): a new container with the old one's configuration is created
 * under a temporary name, the old one is stopped and renamed `<name>-slipway-old`, the new one takes the
 * name and is started, and must keep running for `settleMs` and, when it has a health check, become
 * healthy within `healthTimeoutMs`. The old containers are removed once every container passed. When one
 * fails, it and those already switched are restored and the result is "restored". A container already on
 * `image` is left alone. Aborting `signal` restores what was switched and throws ComposeError "cancelled".
 *
 * Throws ComposeError: "no_containers", "pull_failed" (nothing changed), "cancelled", "engine_error" (the
 * engine failed outside a switch, or a restore failed: the message names the containers to check).
 */
export async function deployComposeService(docker: Dockerode, opts: DeployComposeOptions): Promise<ComposeResult> {
  const { project, service, image, signal, log } = opts;
  const listed = await engineStep(signal, `listing the containers of ${project}/${service}`, () => listLabelled(docker, project, service, signal));
  const current = listed.filter((c) => !isTemporary(listedName(c)));
  const leftovers = listed.filter((c) => isTemporary(listedName(c)));
  if (current.length === 0 && !leftovers.some((c) => listedName(c).endsWith(OLD_SUFFIX))) throw noContainers(project, service);
  current.sort(byNumberThenName);
  log(`Service ${service} of compose project ${project} has ${current.length} container(s): ${current.map(listedName).join(", ")}`);

  const imageId = await engineStep(signal, `pulling ${image}`, () => pullImage(docker, image, opts.auth, signal, log));
  const reclaimed = await engineStep(signal, "clearing what an earlier deploy left", () => clearLeftovers(docker, leftovers, new Set(current.map(listedName)), opts), true);

  const infos = await engineStep(signal, "inspecting the containers", async () => {
    const ids = [...current.map((c) => c.Id), ...reclaimed];
    return Promise.all(ids.map((id) => docker.getContainer(id).inspect({ abortSignal: signal })));
  });
  const order = (i: Dockerode.ContainerInspectInfo) => Number.parseInt(i.Config.Labels?.[NUMBER_LABEL] ?? "", 10);
  infos.sort((a, b) => (order(a) || Number.MAX_SAFE_INTEGER) - (order(b) || Number.MAX_SAFE_INTEGER) || containerName(a).localeCompare(containerName(b)));

  const autoRemoving = infos.filter((i) => i.HostConfig.AutoRemove);
  if (autoRemoving.length) {
    throw new ComposeError(
      `${autoRemoving.map(containerName).join(", ")} remove themselves when stopped (AutoRemove, --rm), so Slipway could not keep them to restore after a failed deploy. Recreate them without --rm; no container was changed.`,
      "engine_error",
    );
  }

  const slots: Slot[] = [];
  for (const info of infos) {
    const name = containerName(info);
    if (info.Config.Labels?.[SLIPWAY_IMAGE_LABEL] === image || info.Config.Image === image) {
      log(`${name}: already runs ${image}; left alone`);
      continue;
    }
    const stopTimeout = (info.Config as ContainerConfig).StopTimeout;
    slots.push({ name, oldId: info.Id, oldWasRunning: info.State.Running, stopSeconds: typeof stopTimeout === "number" && stopTimeout >= 0 ? stopTimeout : DEFAULT_STOP_SECONDS, touched: false });
  }
  if (slots.length === 0) {
    const message = `All ${infos.length} container(s) of ${project}/${service} already run ${image}`;
    log(message);
    return { outcome: "converged", message, containers: await runningNames(docker, project, service, log) };
  }

  for (const slot of slots) {
    try {
      await switchContainer(docker, slot, image, imageId, opts);
    } catch (err) {
      const aborted = signal.aborted;
      const failure =
        err instanceof StepFailure ? err : new StepFailure(`the engine failed while replacing ${slot.name}: ${engineMessage(err)}`, "engine_error");
      log(aborted ? `Cancelled while replacing ${slot.name}; restoring the previous containers` : `${failure.message}; restoring the previous containers`);
      const switched = slots.slice(0, slots.indexOf(slot) + 1);
      const problems = await restoreAll(docker, switched, log);
      if (problems.length) {
        const why = aborted ? "The deployment was cancelled" : failure.message;
        throw new ComposeError(
          `${why}, and restoring the previous containers failed: ${problems.join("; ")}. Check the containers of ${project}/${service} (those named *${OLD_SUFFIX} are the previous ones) with docker ps -a.`,
          aborted ? "cancelled" : "engine_error",
        );
      }
      if (aborted) throw cancelled(`while replacing ${slot.name}; the previous containers were restored`);
      const message = `${failure.message}; the previous containers were restored`;
      log(message);
      return { outcome: "restored", reason: failure.reason, message, containers: await runningNames(docker, project, service, log) };
    }
  }

  for (const slot of slots) {
    log(`Removing the previous container ${slot.name}${OLD_SUFFIX}`);
    try {
      // without v: the new container mounts the old one's anonymous volumes
      await removeContainer(docker, slot.oldId, AbortSignal.timeout(RESTORE_CALL_MS), false);
    } catch (err) {
      log(`Could not remove ${slot.name}${OLD_SUFFIX} (${engineMessage(err)}); the next deploy removes it`);
    }
  }
  const message = `${slots.length} container(s) of ${project}/${service} now run ${image}`;
  log(message);
  return { outcome: "converged", message, containers: await runningNames(docker, project, service, log) };
}

/**
 * For re-verification and drift: the image(s) the service's containers run (Slipway's image label when
 * present, else Config.Image), and how many of them are running.
 */
export async function inspectComposeService(
  docker: Dockerode,
  project: string,
  service: string,
  signal: AbortSignal,
): Promise<{ images: string[]; running: number; total: number; detail: string }> {
  const infos = await engineStep(signal, `inspecting ${project}/${service}`, async () => {
    const listed = (await listLabelled(docker, project, service, signal)).filter((c) => !isTemporary(listedName(c))).sort(byNumberThenName);
    return Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect({ abortSignal: signal })));
  });
  if (infos.length === 0) {
    return { images: [], running: 0, total: 0, detail: noContainers(project, service).message };
  }
  const images = [...new Set(infos.map((i) => i.Config.Labels?.[SLIPWAY_IMAGE_LABEL] ?? i.Config.Image))];
  const running = infos.filter((i) => i.State.Running).length;
  const states = infos.map((i) => {
    const st = i.State;
    const health = st.Health?.Status ? `, ${st.Health.Status}` : "";
    const what = st.Running ? `running${health}` : st.Status === "exited" ? `exited with code ${st.ExitCode}` : st.Status;
    return `${containerName(i)} ${what}`;
  });
  const detail = `${running} of ${infos.length} container(s) of ${project}/${service} running (${states.join("; ")}) on ${images.join(", ")}`;
  return { images, running, total: infos.length, detail };
}
