// What every `slipway` command is: its usage and help, its options (node:util parseArgs), and a run function
// given a Context. The global options (--url, --token, --json, --help) are added to every command's own.
import type { ApiClient } from "@/cli/http";
import type { Io } from "@/cli/output";
import type { Env } from "@/cli/config";
import { parseDuration } from "@/lib/validation/inventory-constants";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** "--limit N": the N */
  value?: string;
  description: string;
}

export type Values = Record<string, string | boolean | undefined>;

export interface Context {
  io: Io;
  /** --json: one JSON document on stdout (NDJSON for followed logs) */
  json: boolean;
  env: Env;
  /** aborted by Ctrl-C */
  interrupt: AbortSignal;
  configFile: string;
  /** --url / --token as given */
  flags: { url?: string; token?: string };
  /** the API client for the resolved URL and token (throws "not signed in" without them) */
  client(): ApiClient;
}

export interface Command {
  name: string;
  /** the arguments after the command's name, e.g. "<target> [--release R]" */
  usage: string;
  summary: string;
  /** more lines for `slipway help <command>` */
  help?: string;
  options?: Record<string, OptionSpec>;
  /** how many positional arguments it takes */
  args: { min: number; max: number };
  run(ctx: Context, args: string[], values: Values): Promise<number>;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: "string", value: "URL", description: "the console's address (else SLIPWAY_URL, else the one `slipway login` stored)" },
  token: { type: "string", value: "TOKEN", description: "the API token (else SLIPWAY_TOKEN, else the stored one)" },
  json: { type: "boolean", description: "print the API's JSON (one document; NDJSON for followed logs)" },
  help: { type: "boolean", short: "h", description: "show this command's help" },
};

/** "30m", "90s", "1h30m", "600" (seconds) → milliseconds; null when it is not a duration. */
export function parseDurationMs(text: string): number | null {
  const s = parseDuration(text);
  return s === null ? null : s * 1000;
}
