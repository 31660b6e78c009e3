// environments, promote: the deployment rules' stages (staging → production) with the release on each, and
// moving a release on to the next stage. promote prints the new deployments' ids on stdout, one a line (the
// message on stderr); with --wait it waits for each as `slipway wait` does, and exits as the first that did not succeed.
import { CliError, EXIT, type ExitCode } from "@/cli/exit-codes";
import { requireId } from "@/cli/resolve";
import { deploymentSchema, pipelinesAnswerSchema, promotionSchema, type Pipeline } from "@/cli/schemas";
import { printJson, shortSha, table } from "@/cli/output";
import { timeoutOption, waitForRun } from "@/cli/wait";
import type { Command } from "@/cli/command";

/** One line per stage: what runs there and whether it can move on. */
function stageRows(p: Pipeline): string[][] {
  return p.stages.map((s) => {
    const runs = s.release ? `${shortSha(s.release.commitSha)} ${s.release.title}`.trim() : s.targets.length ? "mixed: " + s.targets.map((t) => `${t.name}=${t.releaseId ?? "none"}`).join(", ") : "no targets";
    const next = s.promotion
      ? s.promotion.promotable
        ? `promotable to ${s.promotion.to}${s.promotion.needsApproval ? " (needs approval)" : ""}`
        : `not yet to ${s.promotion.to}: ${s.promotion.blockers.join("; ")}`
      : "-";
    return [s.name, s.targets.map((t) => t.name).join(", ") || "-", runs, next];
  });
}

export const environments: Command = {
  name: "environments",
  usage: "[--rule ID]",
  summary: "deployment rules with environments: the release on each stage, and why it cannot be promoted yet",
  options: { rule: { type: "string", value: "ID", description: "one deployment rule's pipeline" } },
  args: { min: 0, max: 0 },
  async run(ctx, _args, values) {
    const rule = values.rule === undefined ? undefined : requireId("deployment rule", values.rule as string, "`slipway environments` lists the rules with environments");
    const answer = await ctx.client().json("GET", `/environments/pipeline${rule ? `?deploymentRule=${encodeURIComponent(rule)}` : ""}`, pipelinesAnswerSchema);
    if (ctx.json) {
      printJson(ctx.io, answer);
      return EXIT.ok;
    }
    if (answer.pipelines.length === 0) {
      ctx.io.err("no deployment rule has environments (slipway.yml: environments under a deploy entry; docs/environments.md)");
      return EXIT.ok;
    }
    answer.pipelines.forEach((p, i) => {
      if (i > 0) ctx.io.out("");
      ctx.io.out(`${p.repository} (${p.buildRule}), branch ${p.branch} — rule ${p.deploymentRuleId}`);
      table(ctx.io, ["STAGE", "TARGETS", "RUNS", "NEXT"], stageRows(p), "no stages");
      for (const s of p.stages) if (s.release && s.promotion?.promotable) ctx.io.out(`  slipway promote ${s.release.id} --to ${s.promotion.to}`);
    });
    return EXIT.ok;
  },
};

export const promote: Command = {
  name: "promote",
  usage: "<release> --to ENV [--wait [--timeout 30m]]",
  summary: "promote a release to the next environment: the same digest, never a rebuild (as Promote in the console)",
  help: `Refused (exit 6, nothing changed) unless every target of the stage before runs the release after a
succeeded deployment, the stage's soak time has passed and its check URLs answer 2xx; the reason is printed.
\`slipway environments\` shows each stage's release and why it cannot be promoted yet. Prints the new
deployments' ids on stdout, one a line.`,
  options: {
    to: { type: "string", value: "ENV", description: "the environment to promote to, e.g. production" },
    wait: { type: "boolean", description: "wait for the deployments to end; the exit status is the first one's that did not succeed (as `slipway wait`)" },
    timeout: { type: "string", value: "D", description: "with --wait: how long for each (default 30m)" },
  },
  args: { min: 1, max: 1 },
  async run(ctx, [releaseArg], values) {
    const to = values.to;
    if (typeof to !== "string" || to.trim() === "") throw new CliError("name the environment to promote to: slipway promote <release> --to production", EXIT.usage);
    if (values.timeout && !values.wait) throw new CliError("--timeout goes with --wait", EXIT.usage);
    const releaseId = requireId("release", releaseArg!, "`slipway environments` shows the release on each stage");
    const client = ctx.client();
    const answer = await client.json("POST", `/releases/${encodeURIComponent(releaseId)}/promote`, promotionSchema, { json: { environment: to.trim() } });
    if (!values.wait) {
      if (ctx.json) printJson(ctx.io, answer);
      else {
        ctx.io.err(answer.message);
        ctx.io.out(answer.deployments.map((d) => d.id).join("\n"));
      }
      return EXIT.ok;
    }
    const timeoutMs = timeoutOption(values);
    ctx.io.err(answer.message);
    let worst: ExitCode = EXIT.ok;
    const ended = [];
    for (const d of answer.deployments) {
      const first = await client.json("GET", `/deployments/${encodeURIComponent(d.id)}`, deploymentSchema);
      const { code, last } = await waitForRun(ctx, { kind: "deployment", value: first }, timeoutMs);
      ended.push(last.value);
      // the first that did not succeed says how it went
      if (worst === EXIT.ok) worst = code;
    }
    if (ctx.json) printJson(ctx.io, { ...answer, deployments: ended });
    else ctx.io.out(answer.deployments.map((d) => d.id).join("\n"));
    return worst;
  },
};
