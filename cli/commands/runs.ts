// logs, wait: a deployment's or a build's log (followed with -f), and waiting for one to end.
import { CliError, EXIT } from "@/cli/exit-codes";
import { findRun, type Run } from "@/cli/resolve";
import { printJson } from "@/cli/output";
import { DEFAULT_WAIT_MS, timeoutOption, waitForRun } from "@/cli/wait";
import type { Command, Context, OptionSpec, Values } from "@/cli/command";
import { formatDuration } from "@/components/format/time";

const kindOptions: Record<string, OptionSpec> = {
  deployment: { type: "boolean", description: "the id is a deployment's (else deployments are tried first, then builds)" },
  build: { type: "boolean", description: "the id is a build's" },
};

function onlyKind(values: Values): "deployment" | "build" | undefined {
  if (values.deployment && values.build) throw new CliError("give --deployment or --build, not both", EXIT.usage);
  return values.deployment ? "deployment" : values.build ? "build" : undefined;
}

const runPath = (run: Run) => `/${run.kind === "deployment" ? "deployments" : "builds"}/${encodeURIComponent(run.value.id)}`;

/** Prints log lines: as they are, or with --json one {"line": …} object per line (NDJSON). */
class LinePrinter {
  private rest = "";
  constructor(private ctx: Context) {}
  text(chunk: string): void {
    const all = this.rest + chunk;
    const cut = all.lastIndexOf("\n");
    if (cut < 0) {
      this.rest = all;
      return;
    }
    this.rest = all.slice(cut + 1);
    for (const line of all.slice(0, cut).split("\n")) this.line(line);
  }
  line(line: string): void {
    if (this.ctx.json) this.ctx.io.out(JSON.stringify({ line }));
    else this.ctx.io.out(line);
  }
  /** an NDJSON record from the server: passed through with --json, its text printed otherwise */
  record(raw: string): void {
    if (this.ctx.json) return this.ctx.io.out(raw);
    try {
      const o = JSON.parse(raw) as { line?: unknown; text?: unknown };
      const t = typeof o.line === "string" ? o.line : typeof o.text === "string" ? o.text : raw;
      this.text(t.endsWith("\n") ? t : t + "\n");
    } catch {
      this.line(raw);
    }
  }
  flush(): void {
    if (this.rest) this.line(this.rest);
    this.rest = "";
  }
}

/** Reads a streamed log answer to its end: plain text, NDJSON, or server-sent events whose data is text or JSON. */
async function readStream(res: Response, out: LinePrinter): Promise<void> {
  const type = res.headers.get("content-type") ?? "";
  const decoder = new TextDecoder();
  const reader = res.body?.getReader();
  if (!reader) return;
  let pending = "";
  const ndjson = /ndjson|jsonl|json-seq/.test(type);
  const sse = type.includes("text/event-stream");
  let event = "message";
  let data: string[] = [];
  const onLine = (line: string) => {
    if (ndjson) {
      if (line.trim()) out.record(line);
    } else if (sse) {
      if (line === "") {
        if (data.length && event !== "state" && event !== "end") out.record(data.join("\n"));
        data = [];
        event = "message";
      } else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else if (line.startsWith("event:")) event = line.slice(6).trim();
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    const chunk = done ? decoder.decode() : decoder.decode(value, { stream: true });
    if (!ndjson && !sse) out.text(chunk);
    else {
      pending += chunk;
      const lines = pending.split("\n");
      pending = done ? "" : lines.pop()!;
      for (const l of lines) onLine(l.replace(/\r$/, ""));
    }
    if (done) break;
  }
  out.flush();
}

export const logs: Command = {
  name: "logs",
  usage: "<deployment|build> [-f] [--timeout 1h]",
  summary: "print a deployment's or a build's log; -f follows it until the run ends",
  options: {
    follow: { type: "boolean", short: "f", description: "keep printing new lines until the deployment or build ends" },
    timeout: { type: "string", value: "D", description: "with -f: stop following after this long (default 1h; exit 7)" },
    ...kindOptions,
  },
  args: { min: 1, max: 1 },
  async run(ctx, [id], values) {
    if (values.timeout && !values.follow) throw new CliError("--timeout goes with -f", EXIT.usage);
    const client = ctx.client();
    const first = await findRun(client, id!, onlyKind(values));
    const out = new LinePrinter(ctx);
    if (!values.follow) {
      const text = await client.text("GET", `${runPath(first)}/log`, { accept: "text/plain" });
      if (ctx.json) printJson(ctx.io, { kind: first.kind, id: first.value.id, state: first.value.state, log: text });
      else if (text) ctx.io.out(text);
      return EXIT.ok;
    }
    const timeoutMs = timeoutOption(values, 60 * 60_000);
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      // the server keeps the answer open and sends new lines until the deployment or build ends
      const res = await client.request("GET", `${runPath(first)}/log`, { query: { follow: 1 }, accept: "text/plain, application/x-ndjson, text/event-stream", timeoutMs: null, signal: deadline });
      await readStream(res, out);
    } catch (err) {
      if (ctx.interrupt.aborted || !deadline.aborted) throw err;
      out.flush();
      ctx.io.err(`stopped following after ${formatDuration(timeoutMs)} (give a longer --timeout to follow longer)`);
      return EXIT.timedOut;
    }
    return EXIT.ok;
  },
};

export const wait: Command = {
  name: "wait",
  usage: "<deployment|build> [--timeout 30m]",
  summary: "wait until a deployment or build ends; the exit status says how it ended",
  help: `Exit status: 0 succeeded, 1 failed, 9 rolled back, 10 cancelled or superseded, 7 still running when
the timeout ran out. A deployment waiting for approval is waited for too. State changes go to stderr.`,
  options: { timeout: { type: "string", value: "D", description: `how long to wait (default ${formatDuration(DEFAULT_WAIT_MS)}): 90s, 30m, 1h` }, ...kindOptions },
  args: { min: 1, max: 1 },
  async run(ctx, [id], values) {
    const timeoutMs = timeoutOption(values);
    const first = await findRun(ctx.client(), id!, onlyKind(values));
    const { code, last } = await waitForRun(ctx, first, timeoutMs);
    if (ctx.json) printJson(ctx.io, last.value);
    return code;
  },
};
