// export, import: the inventory as slipway.yml through the API (admin scope).
import { readFileSync, writeFileSync } from "node:fs";
import { CliError, EXIT } from "@/cli/exit-codes";
import { importAnswerSchema } from "@/cli/schemas";
import { printJson } from "@/cli/output";
import type { Command } from "@/cli/command";
import { describeChange, type ChangeLine } from "@/lib/config/describe-change";

export const exportInventory: Command = {
  name: "export",
  usage: "[-o FILE]",
  summary: "write the inventory as slipway.yml (to stdout without -o; secrets' values are never included)",
  options: { output: { type: "string", short: "o", value: "FILE", description: "write it to FILE" } },
  args: { min: 0, max: 0 },
  async run(ctx, _args, values) {
    const yaml = await ctx.client().text("GET", "/inventory", { accept: "text/yaml, application/yaml, text/plain" });
    const file = values.output as string | undefined;
    if (file) {
      try {
        writeFileSync(file, yaml);
      } catch (err) {
        throw new CliError(`cannot write ${file}: ${(err as Error).message}`, EXIT.failed);
      }
      if (ctx.json) printJson(ctx.io, { file, bytes: Buffer.byteLength(yaml) });
      else ctx.io.err(`wrote ${file}`);
    } else if (ctx.json) printJson(ctx.io, { yaml });
    else ctx.io.out(yaml);
    return EXIT.ok;
  },
};

const isChange = (c: unknown): c is ChangeLine => typeof c === "object" && c !== null && typeof (c as ChangeLine).action === "string" && typeof (c as ChangeLine).label === "string";

export const importInventory: Command = {
  name: "import",
  usage: "<file> [--dry-run]",
  summary: "apply slipway.yml in one transaction (--dry-run: show the changes, write nothing)",
  options: { "dry-run": { type: "boolean", description: "show what would change and write nothing" } },
  args: { min: 1, max: 1 },
  async run(ctx, [file], values) {
    let text: string;
    try {
      text = readFileSync(file!, "utf8");
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
    }
    const answer = await ctx.client().json("POST", "/inventory/import", importAnswerSchema, {
      query: values["dry-run"] ? { dryRun: 1 } : undefined,
      text: { body: text, contentType: "text/yaml; charset=utf-8" },
      timeoutMs: 120_000,
    });
    if (ctx.json) {
      printJson(ctx.io, answer);
      return EXIT.ok;
    }
    for (const c of answer.changes) ctx.io.out(isChange(c) ? describeChange(c) : `  ${JSON.stringify(c)}`);
    ctx.io.err(answer.message);
    return EXIT.ok;
  },
};
