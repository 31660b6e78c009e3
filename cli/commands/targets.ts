// deploy, rollback, pin, unpin: the commands on a target (named by id or name). deploy and rollback print
// the new deployment's id on stdout (the message on stderr), so `id=$(slipway deploy …)` captures it, and with
// --wait they wait for it as `slipway wait` does.
import { CliError, EXIT } from "@/cli/exit-codes";
import { requireId, resolveTarget, releaseOfCommit } from "@/cli/resolve";
import { deployAnswerSchema, deploymentSchema, messageSchema, type Target } from "@/cli/schemas";
import { printJson } from "@/cli/output";
import { waitForRun, timeoutOption } from "@/cli/wait";
import type { Command, Context, OptionSpec, Values } from "@/cli/command";
import type { ApiClient } from "@/cli/http";

const releaseOptions: Record<string, OptionSpec> = {
  release: { type: "string", value: "R", description: "a release id" },
  commit: { type: "string", value: "SHA", description: "the release built from this commit for the target's deployment rule" },
};
const waitOptions: Record<string, OptionSpec> = {
  wait: { type: "boolean", description: "wait for the deployment to end; the exit status says how (as `slipway wait`)" },
  timeout: { type: "string", value: "D", description: "with --wait: how long (default 30m)" },
};

async function releaseFrom(client: ApiClient, target: Target, release: string | undefined, commit: string | undefined): Promise<string | undefined> {
  if (release && commit) throw new CliError("give a release or --commit, not both", EXIT.usage);
  if (commit) return (await releaseOfCommit(client, target, commit)).id;
  return release === undefined ? undefined : requireId("release", release, "give a release id (`slipway build <id>` lists a build's releases) or --commit SHA");
}

/** After deploy / rollback: the id on stdout, or with --wait, the wait's outcome. */
async function started(ctx: Context, values: Values, answer: { deploymentId: string; message: string }): Promise<number> {
  if (!values.wait) {
    if (ctx.json) printJson(ctx.io, answer);
    else {
      ctx.io.err(answer.message);
      ctx.io.out(answer.deploymentId);
    }
    return EXIT.ok;
  }
  const timeoutMs = timeoutOption(values);
  ctx.io.err(answer.message);
  const first = await ctx.client().json("GET", `/deployments/${encodeURIComponent(answer.deploymentId)}`, deploymentSchema);
  const { code, last } = await waitForRun(ctx, { kind: "deployment", value: first }, timeoutMs);
  if (ctx.json) printJson(ctx.io, last.value);
  else ctx.io.out(answer.deploymentId);
  return code;
}

export const deploy: Command = {
  name: "deploy",
  usage: "<target> (<release> | --commit SHA) [--wait [--timeout 30m]]",
  summary: "deploy a release to a target (as Deploy in the console; a manual-approval rule waits for approval)",
  help: `The target is named by its id or its name. The release is a release id, or --commit SHA finds the
release of that commit for the target's deployment rule. Prints the deployment's id on stdout.`,
  options: { commit: releaseOptions.commit!, ...waitOptions },
  args: { min: 1, max: 2 },
  async run(ctx, [targetRef, releaseArg], values) {
    if (!releaseArg && !values.commit) throw new CliError("give the release to deploy: slipway deploy <target> <release>, or --commit SHA", EXIT.usage);
    if (values.timeout && !values.wait) throw new CliError("--timeout goes with --wait", EXIT.usage);
    const client = ctx.client();
    const target = await resolveTarget(client, targetRef!);
    const releaseId = await releaseFrom(client, target, releaseArg, values.commit as string | undefined);
    const answer = await client.json("POST", `/targets/${encodeURIComponent(target.id)}/deploy`, deployAnswerSchema, { json: { releaseId } });
    return started(ctx, values, answer);
  },
};

export const rollback: Command = {
  name: "rollback",
  usage: "<target> [--release R | --commit SHA] [--wait [--timeout 30m]]",
  summary: "roll a target back (default: to the release before the live one) and pin it there",
  options: { ...releaseOptions, ...waitOptions },
  args: { min: 1, max: 1 },
  async run(ctx, [targetRef], values) {
    if (values.timeout && !values.wait) throw new CliError("--timeout goes with --wait", EXIT.usage);
    const client = ctx.client();
    const target = await resolveTarget(client, targetRef!);
    const releaseId = await releaseFrom(client, target, values.release as string | undefined, values.commit as string | undefined);
    const answer = await client.json("POST", `/targets/${encodeURIComponent(target.id)}/rollback`, deployAnswerSchema, { json: releaseId ? { releaseId } : {} });
    return started(ctx, values, answer);
  },
};

export const pin: Command = {
  name: "pin",
  usage: "<target> [--release R | --commit SHA]",
  summary: "pin a target (default: to its live release) so new releases of its branch do not replace it",
  options: releaseOptions,
  args: { min: 1, max: 1 },
  async run(ctx, [targetRef], values) {
    const client = ctx.client();
    const target = await resolveTarget(client, targetRef!);
    const releaseId = await releaseFrom(client, target, values.release as string | undefined, values.commit as string | undefined);
    const answer = await client.json("POST", `/targets/${encodeURIComponent(target.id)}/pin`, messageSchema, { json: releaseId ? { releaseId } : {} });
    if (ctx.json) printJson(ctx.io, answer);
    else ctx.io.err(answer.message);
    return EXIT.ok;
  },
};

export const unpin: Command = {
  name: "unpin",
  usage: "<target>",
  summary: "unpin a target: its branch's newest release is deployed again",
  args: { min: 1, max: 1 },
  async run(ctx, [targetRef]) {
    const client = ctx.client();
    const target = await resolveTarget(client, targetRef!);
    const answer = await client.json("POST", `/targets/${encodeURIComponent(target.id)}/unpin`, messageSchema, { json: {} });
    if (ctx.json) printJson(ctx.io, answer);
    else ctx.io.err(answer.message);
    return EXIT.ok;
  },
};
