// approvals, approve, reject: deployments waiting for approval, and the decision on one.
import { EXIT } from "@/cli/exit-codes";
import { deploymentSchema, messageSchema } from "@/cli/schemas";
import { ago, printJson, shortSha, table } from "@/cli/output";
import { limitOption } from "@/cli/commands/builds";
import { requireId } from "@/cli/resolve";
import type { Command } from "@/cli/command";

export const approvals: Command = {
  name: "approvals",
  usage: "[--limit N]",
  summary: "deployments waiting for approval",
  options: { limit: { type: "string", value: "N", description: "how many (1-1000, default 50)" } },
  args: { min: 0, max: 0 },
  async run(ctx, _args, values) {
    const page = await ctx.client().list("/approvals", deploymentSchema, {}, limitOption(values.limit, 50));
    if (ctx.json) {
      printJson(ctx.io, page);
      return EXIT.ok;
    }
    const now = new Date();
    table(
      ctx.io,
      ["DEPLOYMENT", "TARGET", "COMMIT", "RELEASE", "REQUESTED BY", "WAITING SINCE"],
      page.items.map((d) => [d.id, d.target, shortSha(d.commitSha), d.releaseId, d.requestedBy ?? d.trigger ?? "-", ago(d.createdAt, now)]),
      "nothing waits for approval",
    );
    return EXIT.ok;
  },
};

function decision(name: "approve" | "reject"): Command {
  return {
    name,
    usage: "<deployment> [--comment TEXT]",
    summary: name === "approve" ? "approve a deployment waiting for approval (it is queued)" : "reject a deployment waiting for approval (it is cancelled)",
    options: { comment: { type: "string", value: "TEXT", description: "recorded with the decision in the audit log" } },
    args: { min: 1, max: 1 },
    async run(ctx, [id], values) {
      const comment = values.comment as string | undefined;
      const answer = await ctx.client().json("POST", `/approvals/${encodeURIComponent(requireId("deployment", id!, "`slipway approvals` lists them"))}/${name}`, messageSchema, { json: comment ? { comment } : {} });
      if (ctx.json) printJson(ctx.io, answer);
      else ctx.io.err(answer.message);
      return EXIT.ok;
    },
  };
}

export const approve = decision("approve");
export const reject = decision("reject");
