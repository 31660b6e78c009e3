// The process logger (pino). Secret-bearing keys are redacted wherever they appear in a log object.
// JSON lines by default (for log collectors); short readable lines on a terminal or with
// SLIPWAY_LOG_FORMAT=pretty.
import pino from "pino";

export const redactPaths = [
  "password",
  "secret",
  "token",
  "accessToken",
  "privateKey",
  "authorization",
  "cookie",
  "*.password",
  "*.secret",
  "*.token",
  "*.accessToken",
  "*.privateKey",
  "*.authorization",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
];

const levelNames: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** A destination that writes pino's JSON lines as "14:03:22 INFO  message key=value". */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): pino.DestinationStream {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { level, time, msg, app: _app, pid: _pid, hostname: _host, ...rest } = rec;
      const t = new Date(typeof time === "number" ? time : Date.now()).toISOString().slice(11, 19);
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      out.write(`${t} ${(levelNames[Number(level)] ?? "LOG").padEnd(5)} ${String(msg ?? "")}${extra ? `  ${extra}` : ""}\n`);
    },
  };
}

const format = process.env.SLIPWAY_LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json");

/**
 * The paths above cover the common shapes fast; this catches the rest: a secret-named key (any case, e.g.
 * webhookSecret, clientSecret, sessionToken, apiKey, Authorization) at any depth, in arrays, inside errors.
 */
const SECRET_KEY = /(secret|password|passphrase|token|private_?key|credential|authorization|cookie|api_?key)/i;
const CENSOR = "[redacted]";

function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 10) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // errors (see err below), dates, buffers: as pino prints them
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? CENSOR : redactSecrets(v, depth + 1);
  return out;
}

export const logOptions: pino.LoggerOptions = {
  level: process.env.LOG_LEVEL ?? "info",
  base: { app: "slipway" },
  redact: { paths: redactPaths, censor: CENSOR },
  formatters: {
    log: (obj) => redactSecrets(obj) as Record<string, unknown>,
    bindings: (bindings) => redactSecrets(bindings) as pino.Bindings,
  },
  serializers: {
    err(e: unknown) {
      const s = pino.stdSerializers.err(e as Error) as unknown;
      // a fresh object when e is an error: redact its extra properties (config, headers, ...) in place
      if (s !== e && s && typeof s === "object") {
        const fields = s as Record<string, unknown>;
        for (const k of Object.keys(fields)) {
          if (k === "type" || k === "message" || k === "stack") continue;
          fields[k] = SECRET_KEY.test(k) && fields[k] != null ? CENSOR : redactSecrets(fields[k]);
        }
      }
      return s;
    },
  },
};

export const log = format === "pretty" ? pino(logOptions, prettyDestination()) : pino(logOptions);

export type Logger = pino.Logger;
