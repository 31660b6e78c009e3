// builds, build: the builds list with the API's filters, and one build with its releases.
import { CliError, EXIT } from "@/cli/exit-codes";
import { buildSchema } from "@/cli/schemas";
import { requireId } from "@/cli/resolve";
import { ago, fields, printJson, shortSha, table, words } from "@/cli/output";
import type { Command } from "@/cli/command";
import { BUILD_STATES } from "@/lib/validation/build-states";
import { formatUtc } from "@/components/format/time";

export function limitOption(v: string | boolean | undefined, fallback: number, max = 1000): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`--limit ${String(v)}: give a whole number from 1 to ${max}`, EXIT.usage);
  return n;
}

export const builds: Command = {
  name: "builds",
  usage: "[--repository R] [--state S] [--ref REF] [--commit SHA] [--limit N]",
  summary: "list builds, newest first",
  options: {
    repository: { type: "string", value: "R", description: "a repository's id or owner/name" },
    state: { type: "string", value: "S", description: BUILD_STATES.join(", ") },
    ref: { type: "string", value: "REF", description: 'a branch or "pull/12"' },
    commit: { type: "string", value: "SHA", description: "a commit (at least 7 hex digits)" },
    limit: { type: "string", value: "N", description: "how many (1-1000, default 20)" },
  },
  args: { min: 0, max: 0 },
  async run(ctx, _args, values) {
    const state = values.state as string | undefined;
    if (state && !(BUILD_STATES as readonly string[]).includes(state)) throw new CliError(`--state ${state}: give one of ${BUILD_STATES.join(", ")}`, EXIT.usage);
    const page = await ctx.client().list("/builds", buildSchema, {
      repository: values.repository as string | undefined,
      state,
      ref: values.ref as string | undefined,
      commit: values.commit as string | undefined,
    }, limitOption(values.limit, 20));
    if (ctx.json) {
      printJson(ctx.io, page);
      return EXIT.ok;
    }
    const now = new Date();
    table(
      ctx.io,
      ["ID", "REPOSITORY", "RULE", "COMMIT", "REFS", "STATE", "CREATED"],
      page.items.map((b) => [b.id, b.repository, b.buildRule ?? "-", shortSha(b.commit.sha), b.refs.join(",") || "-", words(b.state), ago(b.createdAt, now)]),
      "no builds match",
    );
    return EXIT.ok;
  },
};

export const build: Command = {
  name: "build",
  usage: "<id>",
  summary: "one build: commit, refs, state, times and its releases",
  args: { min: 1, max: 1 },
  async run(ctx, [id]) {
    const b = await ctx.client().json("GET", `/builds/${encodeURIComponent(requireId("build", id!, "`slipway builds` lists them"))}`, buildSchema);
    if (ctx.json) {
      printJson(ctx.io, b);
      return EXIT.ok;
    }
    const t = (s: string | null | undefined) => (s ? formatUtc(new Date(s), { seconds: true }) : null);
    fields(ctx.io, [
      ["build", b.id],
      ["repository", b.repository],
      ["rule", b.buildRule],
      ["commit", `${b.commit.sha}${b.commit.message ? `  ${b.commit.message.split("\n")[0]}` : ""}`],
      ["author", b.commit.author],
      ["refs", b.refs.join(", ")],
      ["state", `${words(b.state)}${b.reason ? ` (${b.reason})` : ""}`],
      ["trigger", b.trigger],
      ["attempt", b.attempt === undefined ? null : String(b.attempt)],
      ["created", t(b.createdAt)],
      ["started", t(b.startedAt)],
      ["finished", t(b.finishedAt)],
    ]);
    if (b.releases.length) {
      ctx.io.out("");
      table(ctx.io, ["RELEASE", "IMAGE", "DIGEST"], b.releases.map((r) => [r.id, r.image ?? "-", r.digest ?? "-"]), "");
    }
    return EXIT.ok;
  },
};
