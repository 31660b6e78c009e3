// A build's states (DESIGN.md: queued → fetching → building → pushing → succeeded | failed | cancelled |
// superseded), for the server and the browser alike: which are still in progress, which hold a worker.
export const BUILD_STATES = ["queued", "fetching", "building", "pushing", "succeeded", "failed", "cancelled", "superseded"] as const;
export type BuildStateName = (typeof BUILD_STATES)[number];

/** Not ended yet: queued, or held by a worker. */
export const ACTIVE_BUILD_STATES = ["queued", "fetching", "building", "pushing"] as const satisfies readonly BuildStateName[];
export type ActiveBuildState = (typeof ACTIVE_BUILD_STATES)[number];

/** Held by a worker (claimed, not ended). */
export const RUNNING_BUILD_STATES = ["fetching", "building", "pushing"] as const satisfies readonly BuildStateName[];

export function isActiveBuildState(s: string): s is ActiveBuildState {
  return (ACTIVE_BUILD_STATES as readonly string[]).includes(s);
}

/**
 * The words a build's reason carries when its log was cut because the log store's disk was full (written by
 * lib/build/log-writer.ts; the build page keys on them to say why the log is cut).
 */
export const LOG_STORE_FULL = "the log store ran out of disk space";
