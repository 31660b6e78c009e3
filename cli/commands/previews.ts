// previews, preview teardown|approve: pull request previews, and what an operator does with one.
import { z } from "zod";
import { CliError, EXIT, UsageError } from "@/cli/exit-codes";
import { messageSchema, previewSchema } from "@/cli/schemas";
import { ago, printJson, shortSha, table } from "@/cli/output";
import type { Command, Context } from "@/cli/command";
import { PREVIEW_STATES } from "@/lib/validation/preview-states";

const listSchema = z.looseObject({ items: z.array(previewSchema) });

async function fetchPreviews(ctx: Context, state?: string) {
  return (await ctx.client().json("GET", `/previews${state ? `?state=${encodeURIComponent(state)}` : ""}`, listSchema)).items;
}

export const previews: Command = {
  name: "previews",
  usage: "[--state STATE]",
  summary: "pull request previews: those up or on their way, then those torn down in the last week",
  options: { state: { type: "string", value: "STATE", description: `only those in this state (${PREVIEW_STATES.join(", ")})` } },
  args: { min: 0, max: 0 },
  async run(ctx, _args, values) {
    const state = values.state as string | undefined;
    if (state !== undefined && !(PREVIEW_STATES as readonly string[]).includes(state)) throw new UsageError(`--state must be one of ${PREVIEW_STATES.join(", ")}`, "previews");
    const items = await fetchPreviews(ctx, state);
    if (ctx.json) {
      printJson(ctx.io, { items });
      return EXIT.ok;
    }
    const now = new Date();
    table(
      ctx.io,
      ["PREVIEW", "PULL REQUEST", "COMMIT", "STATE", "URL", "AGE"],
      items.map((p) => [p.id, `${p.repository}#${p.pullRequest}${p.fork ? " (fork)" : ""}`, shortSha(p.commitSha), p.state, p.url ?? "-", ago(p.createdAt, now)]),
      "no previews",
    );
    return EXIT.ok;
  },
};

/** The one preview of pull request `pr` that is not torn down (of `repository`, when several repositories have one). */
async function previewOfPr(ctx: Context, pr: number, repository: string | undefined) {
  const found = (await fetchPreviews(ctx)).filter((p) => p.pullRequest === pr && p.state !== "torn_down" && (!repository || p.repository === repository));
  if (found.length === 0) throw new CliError(`no preview of pull request #${pr} is up or waiting${repository ? ` in ${repository}` : ""}; \`slipway previews\` lists them`, EXIT.notFound);
  if (found.length > 1) {
    throw new CliError(`pull request #${pr} has ${found.length} previews (${found.map((p) => `${p.service} of ${p.repository}`).join(", ")}): say which with --repository NAME`, EXIT.usage);
  }
  return found[0]!;
}

export const preview: Command = {
  name: "preview",
  usage: "teardown|approve <pull request number> [--repository NAME]",
  summary: "tear a pull request's preview down now, or approve a fork's preview",
  help: "teardown removes the preview's service (the pull request's next push brings it back); approve lets a fork's commit run its preview, without secrets.",
  options: { repository: { type: "string", value: "NAME", description: "the repository (owner/name), when several have a pull request of that number" } },
  args: { min: 2, max: 2 },
  async run(ctx, [action, prText], values) {
    if (action !== "teardown" && action !== "approve") throw new UsageError(`unknown preview action "${action}": use teardown or approve`, "preview");
    if (!/^\d{1,10}$/.test(prText!) || Number(prText) < 1) throw new UsageError(`"${prText}" is not a pull request number`, "preview");
    const p = await previewOfPr(ctx, Number(prText), values.repository as string | undefined);
    const answer = await ctx.client().json("POST", `/previews/${encodeURIComponent(p.id)}/${action}`, messageSchema);
    if (ctx.json) printJson(ctx.io, answer);
    else ctx.io.err(answer.message);
    return EXIT.ok;
  },
};
