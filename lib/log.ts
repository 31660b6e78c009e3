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

export const logOptions: pino.LoggerOptions = {
  level: process.env.LOG_LEVEL ?? "info",
  base: { app: "slipway" },
  redact: { paths: redactPaths, censor: "[redacted]" },
};

export const log = format === "pretty" ? pino(logOptions, prettyDestination()) : pino(logOptions);

export type Logger = pino.Logger;
