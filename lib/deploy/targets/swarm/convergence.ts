// Watching a swarm service until it has converged: a deploy is done when every desired replica runs the new
// image and stays up, not when the update call returns; and the one look at a service that re-verification
// and the drift check take.
import type Dockerode from "dockerode";
import { seconds } from "@/lib/seconds";
import { inspectRaw, listNodes, listTasks, pollService, sleep, specImage, toState, type EngineNode, type EngineService, type EngineTask, type ServiceState } from "@/lib/deploy/targets/swarm/engine";

export type ConvergeOutcome = { outcome: "converged" } | { outcome: "rolled_back"; message: string } | { outcome: "failed"; message: string };

/** How often waitForConvergence asks the engine (never faster). */
export const POLL_INTERVAL_MS = 100;

const SETTLED_UPDATE_STATES = new Set(["completed", "rollback_completed"]);
const MOVING_UPDATE_STATES = new Set(["updating", "rollback_started"]);
const STUCK_UPDATE_STATES = new Set(["paused", "rollback_paused"]);
const ROLLBACK_STATES = new Set(["rollback_started", "rollback_completed", "rollback_paused"]);
const FAILED_TASK_STATES = new Set(["failed", "rejected"]);
const ENDED_TASK_STATES = new Set(["shutdown", "complete", "orphaned", "remove"]);

function shortId(id: string | undefined): string {
  return (id ?? "?").slice(0, 12);
}

function taskImage(t: EngineTask): string | null {
  return t.Spec?.ContainerSpec?.Image ?? null;
}

function taskLabel(t: EngineTask): string {
  return typeof t.Slot === "number" && t.Slot > 0 ? `task ${t.Slot} (${shortId(t.ID)})` : `task on node ${shortId(t.NodeID)} (${shortId(t.ID)})`;
}

function exitCode(t: EngineTask): number | null {
  return t.Status?.ContainerStatus?.ExitCode ?? null;
}

/** "task 1 (abc): running IMAGE", "task 1 (def): failed: task: non-zero exit (1) (IMAGE)" */
function describeTask(t: EngineTask): string {
  const state = t.Status?.State ?? "unknown";
  const img = taskImage(t) ?? "no image";
  const err = t.Status?.Err;
  if (err) return `${taskLabel(t)}: ${state}: ${err} (${img})`;
  const code = exitCode(t);
  const exited = ENDED_TASK_STATES.has(state) && code !== null && code !== 0 ? ` (exit code ${code})` : "";
  return `${taskLabel(t)}: ${state}${exited} ${img}`;
}

/** failed or rejected, or ended with a non-zero exit code */
function taskFailed(t: EngineTask): boolean {
  const state = t.Status?.State ?? "";
  if (FAILED_TASK_STATES.has(state)) return true;
  const code = exitCode(t);
  return ENDED_TASK_STATES.has(state) && code !== null && code !== 0;
}

/** "swarm update state paused (update paused due to …)"; the swarm's stock messages ("update completed") left out */
function describeUpdateStatus(state: ServiceState): string | null {
  if (!state.updateState) return null;
  const message = state.updateMessage && !/^(update|rollback) (in progress|started|completed)$/.test(state.updateMessage) ? ` (${state.updateMessage})` : "";
  return `swarm update state ${state.updateState}${message}`;
}

/** One look at the service and its tasks, measured against `image`. */
interface Snapshot {
  state: ServiceState;
  desired: number;
  /** tasks the swarm wants running now */
  current: EngineTask[];
  /** current tasks running `image` */
  runningImage: EngineTask[];
  /** every desired replica runs `image`, nothing else is wanted running, and the update (if any) has settled */
  converged: boolean;
  /** in words, for messages */
  summary: string;
}

function desiredCount(raw: EngineService, current: EngineTask[]): number {
  const mode = raw.Spec?.Mode ?? {};
  if (mode.Replicated) return mode.Replicated.Replicas ?? 1;
  // global: the swarm's own count of eligible nodes; without it, one task per node it placed a task on
  const fromStatus = raw.ServiceStatus?.DesiredTasks;
  if (typeof fromStatus === "number") return fromStatus;
  return new Set(current.map((t) => t.NodeID)).size;
}

function snapshot(raw: EngineService, tasks: EngineTask[], image: string): Snapshot {
  const state = toState(raw);
  const current = tasks.filter((t) => t.DesiredState === "running");
  const desired = desiredCount(raw, current);
  const runningImage = current.filter((t) => taskImage(t) === image && t.Status?.State === "running");
  const onlyImage = current.every((t) => taskImage(t) === image);
  const settled = state.updateState === null || SETTLED_UPDATE_STATES.has(state.updateState);
  const converged = state.image === image && settled && onlyImage && runningImage.length === desired && current.length === desired;
  const parts = [`${runningImage.length} of ${desired} ${state.replicas === null ? "global tasks" : "replicas"} run ${image}`];
  if (state.image !== image) parts.push(`the spec names ${state.image ?? "no image"}`);
  const update = describeUpdateStatus(state);
  if (update) parts.push(update);
  const notDone = current.filter((t) => !runningImage.includes(t));
  if (notDone.length > 0) parts.push(`tasks: ${notDone.map(describeTask).join("; ")}`);
  return { state, desired, current, runningImage, converged, summary: parts.join("; ") };
}

/**
 * How long, by the engine's own clock, every replica of `image` had been running when the swarm marked the
 * update (or a rollback to `image`) completed: the swarm watched them for that long already (its
 * UpdateConfig.Monitor or RollbackConfig.Monitor), so Slipway's window need not wait it again. 0 when the
 * engine does not say.
 */
function upBeforeCompleted(raw: EngineService, tasks: EngineTask[], image: string): number {
  const completedAt = Date.parse(raw.UpdateStatus?.CompletedAt ?? "");
  if (!SETTLED_UPDATE_STATES.has(raw.UpdateStatus?.State ?? "") || !Number.isFinite(completedAt)) return 0;
  const since = tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running" && t.Spec?.ContainerSpec?.Image === image).map((t) => Date.parse(t.Status?.Timestamp ?? ""));
  if (since.length === 0 || since.some((x) => !Number.isFinite(x))) return 0;
  return Math.max(0, completedAt - Math.max(...since));
}

/** Errors of tasks of `image` that failed, newest last, without repeats. */
function taskErrors(tasks: EngineTask[], image: string, limit = 3): string[] {
  const failed = tasks
    .filter((t) => taskImage(t) === image && taskFailed(t))
    .sort((a, b) => (a.CreatedAt ?? "").localeCompare(b.CreatedAt ?? ""))
    .map(describeTask);
  return [...new Set(failed)].slice(-limit);
}

/** "node 3f2a9c1b0d4e (web-2, 10.0.0.2) is down: heartbeat failure", "… is drained"; null when it can run tasks */
export function describeNodeTrouble(node: EngineNode): string | null {
  const state = node.Status?.State ?? "unknown";
  const availability = node.Spec?.Availability ?? "active";
  const troubles: string[] = [];
  if (state !== "ready") troubles.push(`is ${state}${node.Status?.Message ? `: ${node.Status.Message}` : ""}`);
  if (availability === "drain") troubles.push("is drained");
  else if (availability === "pause") troubles.push("is paused");
  if (troubles.length === 0) return null;
  const where = [node.Description?.Hostname, node.Status?.Addr].filter((x): x is string => Boolean(x)).join(", ");
  return `node ${shortId(node.ID)}${where ? ` (${where})` : ""} ${troubles.join(" and ")}`;
}

/**
 * The nodes this service's tasks ran on or were placed on (now or earlier in the task history) that cannot run
 * tasks now, in words. A swarm that lost a node says only "no suitable node (1 node not available for new
 * tasks)" on the task that cannot be placed; this says which node and why. Empty when every such node is fine,
 * or when the nodes cannot be listed: the failure is then reported without them rather than not at all.
 */
async function troubledNodes(docker: Dockerode, tasks: EngineTask[], signal: AbortSignal): Promise<string[]> {
  const used = new Set(tasks.map((t) => t.NodeID).filter((id): id is string => Boolean(id)));
  if (used.size === 0) return [];
  let nodes: EngineNode[];
  try {
    nodes = await listNodes(docker, signal);
  } catch {
    return [];
  }
  return nodes.filter((node) => used.has(node.ID)).flatMap((node) => describeNodeTrouble(node) ?? []);
}

/** "; node … is down: heartbeat failure" to append to a failure message, or "" */
async function nodeWords(docker: Dockerode, tasks: EngineTask[], signal: AbortSignal): Promise<string> {
  const troubles = await troubledNodes(docker, tasks, signal);
  return troubles.length ? `; ${troubles.join("; ")}` : "";
}

/**
 * Watches the service until every desired replica runs `image` (the task's Spec.ContainerSpec.Image equals it)
 * in state running, UpdateStatus (if any) has settled, and that stays true for monitorMs with no task of the
 * image failing, exiting or being replaced in the window (a failure restarts the window).
 *
 * - The spec no longer names `image` and UpdateStatus is rollback_* → rolled_back with the swarm's message.
 * - UpdateStatus paused (or rollback_paused) → failed with the swarm's message and the task errors seen.
 * - The spec was changed to another image by someone else → failed.
 * - Not converged after timeoutMs → failed "did not converge within N s" with the task states.
 * - Each of these three also names the nodes the service's tasks were on that are down, disconnected, drained
 *   or paused ("node 3f2a9c1b0d4e (web-2, 10.0.0.2) is down: heartbeat failure").
 *
 * Polls every POLL_INTERVAL_MS and logs task and update state changes, never a line for a poll where nothing
 * changed. Throws SwarmError cancelled when the signal fires, and engine errors as SwarmError.
 */
export async function waitForConvergence(
  docker: Dockerode,
  opts: {
    serviceId: string;
    image: string;
    monitorMs: number;
    /** where monitorMs came from when the target has no window of its own, for the log ("the service's UpdateConfig.Monitor") */
    monitorSource?: string;
    timeoutMs: number;
    signal: AbortSignal;
    log: (line: string) => void;
  },
): Promise<ConvergeOutcome> {
  const { serviceId, image, monitorMs, monitorSource, timeoutMs, signal, log } = opts;
  const what = `waiting for service ${serviceId} to converge`;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const seen = new Map<string, string>();
  let lastUpdate: string | null | undefined;
  let firstPoll = true;
  /** when the converged state was first seen (null: not converged, or reset by a failure) */
  let windowStart: number | null = null;
  /** failures of the image's tasks seen while watching, for the messages */
  const failures: string[] = [];

  let id = serviceId;
  for (;;) {
    const raw = await pollService(docker, id, signal);
    id = raw.ID;
    const tasks = await listTasks(docker, id, signal);
    const snap = snapshot(raw, tasks, image);
    const name = snap.state.name;

    // log what changed since the last poll
    const update = describeUpdateStatus(snap.state);
    if (update !== lastUpdate && (update !== null || lastUpdate !== undefined)) log(`service ${name}: ${update ?? "no update status"}`);
    lastUpdate = update;
    let disturbed: string | null = null;
    for (const t of [...tasks].sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || (a.CreatedAt ?? "").localeCompare(b.CreatedAt ?? ""))) {
      const line = describeTask(t);
      const before = seen.get(t.ID);
      if (before === line) continue;
      seen.set(t.ID, line);
      // the task history holds old shut-down tasks: on the first look only the current ones are news
      if (firstPoll && t.DesiredState !== "running") continue;
      log(line);
      if (taskImage(t) !== image || firstPoll) continue;
      if (taskFailed(t)) {
        failures.push(line);
        disturbed ??= `${taskLabel(t)} failed`;
      } else if (before === undefined && windowStart !== null) {
        disturbed ??= `${taskLabel(t)} was started to replace another`;
      }
    }
    firstPoll = false;

    // the spec moved away from the image: the swarm rolled back, or someone deployed over it
    if (snap.state.image !== image) {
      if (snap.state.updateState && ROLLBACK_STATES.has(snap.state.updateState)) {
        // once the rollback has completed the swarm's message no longer says why ("rollback completed"): the
        // task errors do
        const errors = taskErrors(tasks, image);
        const message = `the swarm rolled service ${name} back to ${snap.state.image ?? "no image"}: ${snap.state.updateMessage ?? snap.state.updateState}${errors.length ? `; ${errors.join("; ")}` : ""}${await nodeWords(docker, tasks, signal)}`;
        log(message);
        return { outcome: "rolled_back", message };
      }
      const message = `service ${name} now names ${snap.state.image ?? "no image"} instead of ${image}: it was changed by someone else while Slipway waited`;
      log(message);
      return { outcome: "failed", message };
    }
    if (snap.state.updateState && STUCK_UPDATE_STATES.has(snap.state.updateState)) {
      const errors = taskErrors(tasks, image);
      const message = `the swarm ${snap.state.updateState === "paused" ? "paused the update" : "paused the rollback"} of service ${name}: ${snap.state.updateMessage ?? "no message"}${errors.length ? `; ${errors.join("; ")}` : ""}${await nodeWords(docker, tasks, signal)}`;
      log(message);
      return { outcome: "failed", message };
    }

    const now = Date.now();
    if (disturbed !== null && windowStart !== null) {
      log(`${disturbed} within the watch window; watching service ${name} again from the start`);
      windowStart = null;
    }
    if (snap.converged) {
      if (windowStart === null) {
        // the time the swarm itself already watched them (after no failure seen by this watch) counts
        const credit = failures.length === 0 ? Math.min(monitorMs, upBeforeCompleted(raw, tasks, image)) : 0;
        windowStart = now - credit;
        log(
          `all ${snap.desired} ${snap.state.replicas === null ? "global tasks" : "replicas"} of service ${name} run ${image}; making sure they stay up for ${seconds(monitorMs)}${monitorSource ? ` (${monitorSource})` : ""}${credit > 0 ? ` (the swarm already watched them for ${seconds(credit)})` : ""}`,
        );
      }
      if (now - windowStart >= monitorMs) {
        log(`service ${name} converged on ${image}`);
        return { outcome: "converged" };
      }
    } else if (windowStart !== null) {
      log(`service ${name} is no longer converged (${snap.summary}); waiting again`);
      windowStart = null;
    }

    if (now >= deadline) {
      const failed = failures.length ? `; failures seen: ${[...new Set(failures)].slice(-3).join("; ")}` : "";
      const message = `service ${name} did not converge within ${seconds(timeoutMs)}: ${snap.summary}${failed}${await nodeWords(docker, tasks, signal)}`;
      log(message);
      return { outcome: "failed", message };
    }
    await sleep(POLL_INTERVAL_MS, signal, what);
  }
}

/**
 * For re-verification after a worker crash and for the drift check: the image the spec names, and whether
 * every desired replica runs it now (running tasks of that image == desired count, no other task wanted
 * running, and no update in progress or stuck). `detail` says what was found, in words.
 */
export async function inspectServiceImage(docker: Dockerode, service: string, signal: AbortSignal): Promise<{ image: string | null; converged: boolean; detail: string }> {
  const raw = await inspectRaw(docker, service, signal);
  const withStatus = await pollService(docker, raw.ID, signal);
  const tasks = await listTasks(docker, raw.ID, signal);
  const image = specImage(withStatus.Spec);
  if (image === null) return { image: null, converged: false, detail: `service ${toState(withStatus).name} names no image` };
  const snap = snapshot(withStatus, tasks, image);
  const stuck = snap.state.updateState !== null && (MOVING_UPDATE_STATES.has(snap.state.updateState) || STUCK_UPDATE_STATES.has(snap.state.updateState));
  const converged = snap.converged && !stuck;
  const rolledBack = snap.state.updateState === "rollback_completed" ? `; the swarm rolled the last update back (${snap.state.updateMessage ?? "no message"})` : "";
  return { image, converged, detail: `${snap.summary}${rolledBack}` };
}
