import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenCredentials } from "@/lib/git/credentials";
import { fetchCommit } from "@/lib/git/fetch";
import { listRemoteRefs } from "@/lib/git/ls-remote";
import { classifyGitFailure, GitError, maskSecrets, runGit } from "@/lib/git/run";

/** A TCP server that accepts connections and never says a word. */
let silent: net.Server;
let silentPort = 0;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  silent = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

function gitProcessesMatching(marker: string): string {
  try {
    return execFileSync("pgrep", ["-af", marker], { encoding: "utf8" }).trim();
  } catch (err) {
    // pgrep exits 1 when nothing matches; anything else (pgrep missing, bad usage) must fail the test
    if ((err as { status?: number }).status === 1) return "";
    throw err;
  }
}

describe("runGit", () => {
  it("returns stdout and stderr of a successful call", async () => {
    const out = await runGit(["--version"], { timeoutMs: 5000 });
    expect(out.stdout).toMatch(/^git version \d+\.\d+/);
  });

  it("is not influenced by the caller's GIT_* variables or global config", async () => {
    process.env.GIT_CONFIG_PARAMETERS = "'alias.version=!touch /tmp/never'";
    try {
      const out = await runGit(["config", "--list", "--show-origin"], { timeoutMs: 5000 });
      expect(out.stdout).not.toMatch(/alias\.version|file:\/etc\/gitconfig|\.gitconfig/);
      expect(out.stdout).toMatch(/protocol\.ext\.allow=never/);
      expect(out.stdout).toMatch(/core\.hookspath=\/dev\/null/);
    } finally {
      delete process.env.GIT_CONFIG_PARAMETERS;
    }
  });

  it("stops git after the timeout against a server that never answers", async () => {
    const marker = `slipway-timeout-${randomBytes(6).toString("hex")}`;
    const started = Date.now();
    const err = await listRemoteRefs(`git://127.0.0.1:${silentPort}/${marker}`, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("timeout");
    expect((err as GitError).message).toMatch(/did not finish within 500 ms.*check that the remote answers/);
    await new Promise((r) => setTimeout(r, 200));
    expect(gitProcessesMatching(marker)).toBe("");
  });

  it("an abort kills git (and its children) promptly", async () => {
    const marker = `slipway-abort-${randomBytes(6).toString("hex")}`;
    const controller = new AbortController();
    const pending = fetchCommit(`git://127.0.0.1:${silentPort}/${marker}`, "a".repeat(40), `/tmp/${marker}`, { timeoutMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    // wait until git is connected, then abort
    const deadline = Date.now() + 10_000;
    while (gitProcessesMatching(marker) === "" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(gitProcessesMatching(marker)).not.toBe("");
    const aborted = Date.now();
    controller.abort();
    const err = await pending;
    expect(Date.now() - aborted).toBeLessThan(2000);
    expect((err as GitError).kind).toBe("aborted");
    await new Promise((r) => setTimeout(r, 200));
    expect(gitProcessesMatching(marker)).toBe("");
    rmSync(`/tmp/${marker}`, { recursive: true, force: true });
  });

  it("an already aborted signal runs nothing", async () => {
    const err = await runGit(["--version"], { timeoutMs: 5000, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as GitError).kind).toBe("aborted");
  });
});

describe("credentials (token-redaction)", () => {
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");

  it("a token for an unreachable https URL never appears in the error", async () => {
    const err = await listRemoteRefs("https://127.0.0.1:1/x.git", { token, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("unreachable");
    for (const text of [(err as GitError).message, (err as GitError).stderr, String((err as Error).stack)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(basic);
    }
    const dir = `/tmp/slipway-tok-${randomBytes(4).toString("hex")}`;
    const err2 = await fetchCommit("https://127.0.0.1:1/x.git", "b".repeat(40), dir, { token, timeoutMs: 10_000 }).catch((e: unknown) => e);
    rmSync(dir, { recursive: true, force: true });
    expect((err2 as GitError).message).not.toContain(token);
    expect((err2 as GitError).message).toMatch(/could not be reached/);
  });

  it("the token reaches the server as an Authorization header, not in argv", async () => {
    let seen = "";
    const server = net.createServer((s) => {
      s.once("data", (d) => {
        seen = d.toString("latin1");
        s.end("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // plain http to a loopback stand-in: the header mechanism is the same as over https
      const creds = tokenCredentials(`https://127.0.0.1:${port}/x.git`, token);
      const err = await runGit(["ls-remote", "--", `http://127.0.0.1:${port}/x.git`], { timeoutMs: 10_000, env: creds.env, secrets: creds.secrets }).catch((e: unknown) => e);
      expect(seen).toContain(`Authorization: Basic ${basic}`);
      expect((err as GitError).kind).toBe("auth");
      expect((err as GitError).message).not.toContain(token);
    } finally {
      server.close();
    }
  });

  it("maskSecrets hides every occurrence", () => {
    expect(maskSecrets(`a ${token} b ${token}`, [token])).toBe("a *** b ***");
  });
});

describe("classifyGitFailure", () => {
  it("sorts git's messages into kinds", () => {
    expect(classifyGitFailure("fatal: Authentication failed for 'https://x/'")).toBe("auth");
    expect(classifyGitFailure("fatal: unable to access 'https://127.0.0.1:1/x.git/': Failed to connect to 127.0.0.1 port 1")).toBe("unreachable");
    expect(classifyGitFailure("fatal: remote error: upload-pack: not our ref 0123")).toBe("not_found");
    expect(classifyGitFailure("fatal: something else")).toBe("failed");
  });
});
