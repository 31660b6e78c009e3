// cli/config.ts: where `slipway` finds the server and the token (flags, then SLIPWAY_URL / SLIPWAY_TOKEN, then
// the file), the URL forms it accepts, and the file's modes even when the directory existed with wider ones.
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { configPath, normalizeUrl, readConfigFile, resolveConnection, writeConfigFile } from "@/cli/config";
import { CliError, EXIT } from "@/cli/exit-codes";
import { parseDurationMs } from "@/cli/command";

describe("cli config", () => {
  test("normalizeUrl keeps scheme, host and path prefix; drops a trailing slash and /api/v1; refuses what is not http(s)", () => {
    expect(normalizeUrl("https://slipway.example.org/")).toBe("https://slipway.example.org");
    expect(normalizeUrl(" https://slipway.example.org/api/v1/ ")).toBe("https://slipway.example.org");
    expect(normalizeUrl("http://127.0.0.1:3000/slipway/")).toBe("http://127.0.0.1:3000/slipway");
    for (const bad of ["slipway.example.org", "ftp://x", "https://user:pw@x.org"]) {
      expect(() => normalizeUrl(bad)).toThrow(CliError);
    }
  });

  test("flags win over the environment, the environment over the file; nothing at all is 'not signed in' (exit 3)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-cli-config-"));
    const file = configPath({ XDG_CONFIG_HOME: dir });
    expect(file).toBe(path.join(dir, "slipway", "config.json"));
    expect(configPath({ HOME: "/home/x" })).toBe("/home/x/.config/slipway/config.json");

    let err: unknown;
    try {
      resolveConnection({}, {}, file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.unauthenticated);

    writeConfigFile(file, { url: "https://file.example.org", token: "slw_file" });
    expect(resolveConnection({}, {}, file)).toEqual({ url: "https://file.example.org", token: "slw_file" });
    expect(resolveConnection({}, { SLIPWAY_TOKEN: "slw_env" }, file)).toEqual({ url: "https://file.example.org", token: "slw_env" });
    expect(resolveConnection({ url: "https://flag.example.org/" }, { SLIPWAY_URL: "https://env.example.org", SLIPWAY_TOKEN: "slw_env" }, file)).toEqual({
      url: "https://flag.example.org",
      token: "slw_env",
    });
  });

  test("the file is 0600 and its directory 0700, also when the directory existed wider; a broken file says what to do", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-cli-config-"));
    const file = path.join(dir, "slipway", "config.json");
    mkdirSync(path.dirname(file), { mode: 0o755 });
    chmodSync(path.dirname(file), 0o755);
    const umask = process.umask(0o000);
    try {
      writeConfigFile(file, { url: "https://x.org", token: "slw_1" });
    } finally {
      process.umask(umask);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readConfigFile(file)).toEqual({ url: "https://x.org", token: "slw_1" });

    writeFileSync(file, "{not json");
    expect(() => readConfigFile(file)).toThrow(/slipway logout/);
  });

  test("durations for --timeout", () => {
    expect(parseDurationMs("90s")).toBe(90_000);
    expect(parseDurationMs("30m")).toBe(1_800_000);
    expect(parseDurationMs("1h30m")).toBe(5_400_000);
    expect(parseDurationMs("600")).toBe(600_000);
    expect(parseDurationMs("soon")).toBeNull();
    expect(parseDurationMs("")).toBeNull();
  });
});
