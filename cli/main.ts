// `slipway`: the command line over Slipway's REST API. Finds the command, parses its options with the
// global ones (node:util parseArgs), runs it, and turns every error into words on stderr and an exit status
// (cli/exit-codes.ts; docs/cli.md lists them). Ctrl-C aborts the request in flight and exits 130.
import { parseArgs } from "node:util";
import { CliError, EXIT, UsageError } from "@/cli/exit-codes";
import { configPath, resolveConnection, type Env } from "@/cli/config";
import { ApiClient, Interrupted } from "@/cli/http";
import { processIo, type Io } from "@/cli/output";
import { GLOBAL_OPTIONS, type Command, type Context, type OptionSpec } from "@/cli/command";
import { login, logout, status } from "@/cli/commands/session";
import { build, builds } from "@/cli/commands/builds";
import { deploy, pin, rollback, unpin } from "@/cli/commands/targets";
import { approvals, approve, reject } from "@/cli/commands/approvals";
import { logs, wait } from "@/cli/commands/runs";
import { exportInventory, importInventory } from "@/cli/commands/inventory";
import { provenance } from "@/cli/commands/provenance";
import { environments, promote } from "@/cli/commands/environments";
import { preview, previews } from "@/cli/commands/previews";

export const COMMANDS: Command[] = [login, logout, status, builds, build, deploy, rollback, pin, unpin, environments, promote, approvals, approve, reject, previews, preview, logs, wait, provenance, exportInventory, importInventory];

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

function optionLines(options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(([name, o]) => `${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`);
  const w = Math.max(...left.map((l) => l.length));
  return Object.values(options).map((o, i) => `  ${left[i]!.padEnd(w)}  ${o.description}`);
}

export function generalHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: slipway <command> [options]     (Slipway's REST API from the command line)",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    `  ${"help".padEnd(w)}  slipway help <command>: its options and details`,
    "",
    "options of every command:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "exit status: 0 ok, 1 failed, 2 usage error, 3 not signed in or token refused, 4 not found, 5 forbidden,",
    "6 refused by the server (conflict, validation, rate limit), 7 timed out, 8 cannot reach the server,",
    "9 rolled back, 10 cancelled or superseded, 130 interrupted. See docs/cli.md.",
  ].join("\n");
}

export function commandHelp(c: Command): string {
  return [
    `usage: slipway ${c.name}${c.usage ? ` ${c.usage}` : ""}`,
    "",
    c.summary,
    ...(c.help ? ["", c.help] : []),
    ...(c.options && Object.keys(c.options).length ? ["", "options:", ...optionLines(c.options)] : []),
    "",
    "options of every command:",
    ...optionLines(GLOBAL_OPTIONS),
  ].join("\n");
}

/** The index of the command's name in argv: the first word that is not a global option or its value. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return i + 1 < argv.length ? i + 1 : -1;
    if (a === "--url" || a === "--token") i++;
    else if (!a.startsWith("-")) return i;
  }
  return -1;
}

function parseOptions(argv: string[], options: Record<string, OptionSpec>) {
  const config = Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
  try {
    return parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
  } catch (err) {
    // node's words: "Unknown option '--x'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--x\"", …
    const msg = (err as Error).message.split(". To specify")[0]!;
    throw new UsageError(msg.replace(/^Option '(.*?)' argument missing$/, "option $1 needs a value"));
  }
}

function report(io: Io, json: boolean, err: CliError, command?: string): void {
  io.err(`slipway: ${err.message}`);
  for (const d of err.details) io.err(`  ${d}`);
  if (err instanceof UsageError) io.err(command ? `see \`slipway help ${command}\`` : "see `slipway help`");
  if (json) io.out(JSON.stringify({ error: { message: err.message, details: err.details, exitCode: err.exitCode } }, null, 2));
}

export async function runCli(argv: string[], io: Io = processIo, env: Env = process.env): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort(new Interrupted());
  };
  process.on("SIGINT", onSigint);
  const json = argv.includes("--json");
  const at = commandIndex(argv);
  const name = at >= 0 ? argv[at]! : undefined;
  try {
    const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv;
    if (name === undefined || name === "help") {
      const { positionals, values } = parseOptions(rest, GLOBAL_OPTIONS);
      const topic = positionals[0];
      if (topic !== undefined) {
        const c = byName.get(topic);
        if (!c) throw new UsageError(`no command "${topic}"`);
        io.out(commandHelp(c));
        return EXIT.ok;
      }
      if (name === undefined && !values.help) {
        io.err(generalHelp());
        return EXIT.usage;
      }
      io.out(generalHelp());
      return EXIT.ok;
    }
    const command = byName.get(name);
    if (!command) throw new UsageError(`no command "${name}"`);
    const { positionals, values } = parseOptions(rest, { ...GLOBAL_OPTIONS, ...command.options });
    if (values.help) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    if (positionals.length < command.args.min || positionals.length > command.args.max) {
      throw new UsageError(`usage: slipway ${command.name} ${command.usage}`.trimEnd(), command.name);
    }
    const flags = { url: values.url as string | undefined, token: values.token as string | undefined };
    const file = configPath(env);
    let client: ApiClient | undefined;
    const ctx: Context = {
      io,
      json: values.json === true,
      env,
      interrupt: controller.signal,
      configFile: file,
      flags,
      client: () => (client ??= new ApiClient(resolveConnection(flags, env, file), controller.signal)),
    };
    return await command.run(ctx, positionals, values);
  } catch (err) {
    if (controller.signal.aborted) {
      io.err("slipway: interrupted");
      return EXIT.interrupted;
    }
    if (err instanceof CliError) {
      report(io, json, err, name && byName.has(name) ? name : undefined);
      return err.exitCode;
    }
    io.err(`slipway: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.failed;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
