// The process logger (pino). Secret-bearing keys are redacted wherever they appear in a log object.
import pino from "pino";

const redactPaths = [
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

export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { app: "slipway" },
  redact: { paths: redactPaths, censor: "[redacted]" },
});

export type Logger = pino.Logger;
