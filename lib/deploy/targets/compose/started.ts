// Whether a started container came up: it keeps running for the settle time and, with a health check,
// becomes healthy within the health timeout.
import type Dockerode from "dockerode";
import { seconds } from "@/lib/seconds";
import { abortableSleep } from "@/lib/deploy/targets/compose/containers";
import type { ContainerConfig } from "@/lib/deploy/targets/compose/new-container";
import type { DeployComposeOptions } from "@/lib/deploy/targets/compose/service";

const POLL_MS = 200;

/** A new container that did not come up; `reason` says how. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly reason: "start_failed" | "unhealthy" | "timeout" | "engine_error",
  ) {
    super(message);
  }
}

function hasHealthcheck(info: Dockerode.ContainerInspectInfo): boolean {
  const test = (info.Config as ContainerConfig).Healthcheck?.Test;
  return !!test && test.length > 0 && test[0] !== "NONE";
}

function lastHealthOutput(info: Dockerode.ContainerInspectInfo): string {
  const logs = info.State.Health?.Log ?? [];
  const last = logs[logs.length - 1];
  if (!last) return "";
  const out = last.Output.trim().split("\n").slice(-3).join(" / ");
  return ` (last check: exit code ${last.ExitCode}${out ? `, "${out.slice(0, 300)}"` : ""})`;
}

/**
 * Waits until the container has kept running for settleMs and, with a health check, is healthy; returns
 * whether it has a health check. Throws StepFailure when it stops, restarts, turns unhealthy or takes too long.
 */
export async function waitUntilUp(docker: Dockerode, id: string, name: string, opts: DeployComposeOptions, log: (line: string) => void): Promise<boolean> {
  const started = Date.now();
  let info = await docker.getContainer(id).inspect({ abortSignal: opts.signal });
  const health = hasHealthcheck(info);
  log(
    health
      ? `${name}: waiting for it to keep running for ${seconds(opts.settleMs)} and for its health check to pass (up to ${seconds(opts.healthTimeoutMs)})`
      : `${name}: waiting for it to keep running for ${seconds(opts.settleMs)}`,
  );
  let lastStatus = "";
  for (;;) {
    const elapsed = Date.now() - started;
    const when = elapsed < opts.settleMs ? "right after starting" : "while waiting for its health check";
    const st = info.State;
    const oom = st.OOMKilled ? " (killed for lack of memory)" : "";
    if (st.Restarting || info.RestartCount > 0) {
      throw new StepFailure(`${name} keeps restarting ${when} (last exit code ${st.ExitCode}${oom})`, "start_failed");
    }
    if (!st.Running) {
      const why = st.Error ? `: ${st.Error}` : "";
      throw new StepFailure(`${name} exited with code ${st.ExitCode}${oom} ${when}${why}`, "start_failed");
    }
    const status = st.Health?.Status ?? "";
    if (health && status !== lastStatus) {
      if (status) log(`${name}: health is ${status}`);
      lastStatus = status;
    }
    if (health && status === "unhealthy") {
      throw new StepFailure(`${name} became unhealthy${lastHealthOutput(info)}`, "unhealthy");
    }
    const settled = elapsed >= opts.settleMs;
    if (settled && (!health || status === "healthy")) return health;
    if (health && status !== "healthy" && elapsed >= opts.healthTimeoutMs) {
      throw new StepFailure(`${name} was still ${status || "starting"} after ${seconds(opts.healthTimeoutMs)}, the limit for its health check${lastHealthOutput(info)}`, "timeout");
    }
    await abortableSleep(Math.min(POLL_MS, Math.max(20, opts.settleMs / 5)), opts.signal);
    info = await docker.getContainer(id).inspect({ abortSignal: opts.signal });
  }
}
