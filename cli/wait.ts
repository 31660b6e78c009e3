// Waiting for a deployment or a build to end, by polling GET /deployments/{id} or /builds/{id}, and the exit
// status its final state gives: 0 succeeded, 1 failed, 9 rolled back, 10 cancelled or superseded, 7 when the
// time ran out first. The worker is what moves the state; this only watches it.
import { CliError, EXIT, type ExitCode } from "@/cli/exit-codes";
import { sleep } from "@/cli/http";
import { fetchRun, type Run } from "@/cli/resolve";
import { words } from "@/cli/output";
import { parseDurationMs, type Context, type Values } from "@/cli/command";
import { isActiveBuildState } from "@/lib/validation/build-states";
import { isActiveDeploymentState } from "@/lib/validation/deployment-states";
import { formatDuration } from "@/components/format/time";

export const DEFAULT_WAIT_MS = 30 * 60_000;
/** how often the state is asked for */
const POLL_MS = 2_000;

export function isEnded(run: Run): boolean {
  return run.kind === "deployment" ? !isActiveDeploymentState(run.value.state) : !isActiveBuildState(run.value.state);
}

export function exitForState(state: string): ExitCode {
  switch (state) {
    case "succeeded":
      return EXIT.ok;
    case "rolled_back":
      return EXIT.rolledBack;
    case "cancelled":
    case "superseded":
      return EXIT.cancelled;
    default:
      return EXIT.failed;
  }
}

function describe(run: Run): string {
  const v = run.value;
  const what = run.kind === "deployment" ? `deployment ${v.id} to ${run.value.target}` : `build ${v.id} of ${run.value.repository}`;
  return `${what}: ${words(v.state)}${v.reason ? ` (${v.reason})` : ""}`;
}

/** Polls until the run ends or `timeoutMs` passes; prints each state change on stderr. */
export async function waitForRun(ctx: Context, first: Run, timeoutMs: number): Promise<{ code: ExitCode; last: Run }> {
  const client = ctx.client();
  const deadline = AbortSignal.timeout(timeoutMs);
  let run = first;
  let said = "";
  const say = () => {
    const line = describe(run);
    if (line !== said) ctx.io.err(line);
    said = line;
  };
  say();
  try {
    while (!isEnded(run)) {
      await sleep(POLL_MS, AbortSignal.any([ctx.interrupt, deadline]));
      run = await fetchRun(client, run, deadline);
      say();
    }
  } catch (err) {
    if (ctx.interrupt.aborted) throw err;
    if (!deadline.aborted) throw err;
    const message = `gave up after ${formatDuration(timeoutMs)}: ${run.kind} ${run.value.id} is still ${words(run.value.state)} (give a longer --timeout to wait more)`;
    ctx.io.err(message);
    return { code: EXIT.timedOut, last: run };
  }
  return { code: exitForState(run.value.state), last: run };
}

export function timeoutOption(values: Values, fallback = DEFAULT_WAIT_MS): number {
  const t = values.timeout;
  if (typeof t !== "string") return fallback;
  const ms = parseDurationMs(t);
  if (ms === null || ms <= 0) throw new CliError(`--timeout ${t}: give a duration such as 90s, 30m or 1h`, EXIT.usage);
  return ms;
}
