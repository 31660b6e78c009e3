// A target's monitor window: how long every replica must stay up after an update before the deployment is
// done. A target saved without one (null) waits no longer than the platform itself watches an update: a swarm
// service as long as its own UpdateConfig.Monitor (read at deploy time), which the swarm has usually watched
// already by the time it marks the update completed. Compose services and unikernels have no such setting of
// their own: they keep the window Slipway always gave them.

/** What swarm watches an update for when the service's UpdateConfig sets no Monitor (swarmkit's default). */
export const SWARM_DEFAULT_MONITOR_SECONDS = 5;
/** The window of a compose service or unikernel target that names none (the default before it became optional). */
export const DEFAULT_MONITOR_SECONDS = 10;

type Kind = "swarm_service" | "compose_service" | "unikernel" | "artifact_repository";

/** The swarm's watch of an update in ms: UpdateConfig.Monitor (nanoseconds; 0 or absent means swarm's default). */
export function swarmMonitorMs(monitorNs: unknown): number {
  return typeof monitorNs === "number" && Number.isFinite(monitorNs) && monitorNs > 0 ? Math.round(monitorNs / 1e6) : SWARM_DEFAULT_MONITOR_SECONDS * 1000;
}

/** A compose service's or unikernel's window in seconds: its own, or DEFAULT_MONITOR_SECONDS. */
export function fixedMonitorSeconds(t: { monitorSeconds: number | null }): number {
  return t.monitorSeconds ?? DEFAULT_MONITOR_SECONDS;
}

/**
 * The most a deployment's window can add, for the deadline of the whole deployment. A swarm service's own
 * Monitor is waited for inside the converge timeout (the swarm marks the update completed only after it, and
 * Slipway's window counts that time), so a target without a window needs only the usual slack.
 */
export function monitorBudgetSeconds(t: { monitorSeconds: number | null }): number {
  return t.monitorSeconds ?? DEFAULT_MONITOR_SECONDS;
}

function secondsWords(s: number): string {
  return s % 60 === 0 && s > 0 ? `${s / 60} min` : `${s} s`;
}

/**
 * The effective window in words, for the target page and the inventory: "10 s", or for a swarm target without
 * one "the service's UpdateConfig.Monitor" with a note on where it is read and swarm's default; `short` fits a
 * table cell.
 */
export function monitorWords(kind: Kind, monitorSeconds: number | null): { value: string; short: string; note: string | null } {
  if (monitorSeconds !== null) return { value: secondsWords(monitorSeconds), short: secondsWords(monitorSeconds), note: null };
  if (kind === "swarm_service") {
    return {
      value: "the service's UpdateConfig.Monitor",
      short: "as the service",
      note: `as long as the swarm watches the update, read from the service at each deployment (swarm's default ${SWARM_DEFAULT_MONITOR_SECONDS} s when it sets none)`,
    };
  }
  return { value: secondsWords(DEFAULT_MONITOR_SECONDS), short: secondsWords(DEFAULT_MONITOR_SECONDS), note: "the default" };
}

/** What an empty "watch afterwards" field means, for the form's hint. */
export const MONITOR_EMPTY_MEANS = `Empty: a swarm service waits as long as its own UpdateConfig.Monitor (swarm's default ${SWARM_DEFAULT_MONITOR_SECONDS} s), a compose service or unikernel ${DEFAULT_MONITOR_SECONDS} s.`;
