// Scanning a real sshd's host keys; refused, silent, non-SSH and cancelled scans.
import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SshError } from "@/lib/ssh/errors";
import { scanHostKeys } from "@/lib/ssh/scan";
import { rejectionOf } from "@/test/helpers/rejection";
import { freePort, startSshd, SSH_KEYGEN, type Sshd } from "@/test/helpers/sshd";

const execFileAsync = promisify(execFile);

async function keygenFingerprint(file: string): Promise<string> {
  const { stdout } = await execFileAsync(SSH_KEYGEN, ["-l", "-f", `${file}.pub`]);
  return stdout.split(" ")[1]!;
}

/** A TCP server that accepts connections and then does `behaviour` with them. */
async function tcpServer(behaviour: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    behaviour(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const scanError = (promise: Promise<unknown>) => rejectionOf(promise, SshError);

describe("scanHostKeys", () => {
  let single: Sshd;
  let all: Sshd;
  beforeAll(async () => {
    [single, all] = await Promise.all([startSshd(), startSshd({ hostKeyType: "all" })]);
  });
  afterAll(async () => {
    await Promise.all([single?.stop(), all?.stop()]);
  });

  it("returns the ed25519 host key with the fingerprint ssh-keygen -l prints", async () => {
    const keys = await scanHostKeys({ address: single.address, port: single.port });
    const hostKey = single.hostKeys[0]!;
    expect(keys).toEqual([{ algorithm: "ssh-ed25519", publicKey: hostKey.publicKey, fingerprintSha256: await keygenFingerprint(hostKey.file) }]);
  });

  it("returns ed25519, ecdsa and rsa keys (rsa as ssh-rsa), each once", async () => {
    const keys = await scanHostKeys({ address: all.address, port: all.port });
    expect(keys.map((k) => k.algorithm)).toEqual(["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"]);
    for (const hostKey of all.hostKeys) {
      const scanned = keys.find((k) => k.algorithm === hostKey.algorithm)!;
      expect(scanned.publicKey).toBe(hostKey.publicKey);
      expect(scanned.fingerprintSha256).toBe(await keygenFingerprint(hostKey.file));
    }
  });

  it("does not log in: sshd records no authentication attempt", async () => {
    await scanHostKeys({ address: single.address, port: single.port });
    await new Promise((r) => setTimeout(r, 200));
    const { readFile } = await import("node:fs/promises");
    const log = await readFile(single.logFile, "utf8");
    expect(log).not.toMatch(/Accepted|Failed|authenticating user|Invalid user/);
  });

  it("says the connection was refused on a closed port", async () => {
    const port = await freePort();
    const err = await scanError(scanHostKeys({ address: "127.0.0.1", port }));
    expect(err.kind).toBe("refused");
    expect(err.message).toBe(`Cannot reach 127.0.0.1:${port}: connection refused. Check that sshd runs on the host and listens on port ${port}.`);
  });

  it("says it cannot resolve a host name that does not exist", async () => {
    const err = await scanError(scanHostKeys({ address: "no-such-host.invalid", port: 22, timeoutMs: 5000 }));
    expect(err.kind).toBe("dns");
    expect(err.message).toMatch(/^Cannot reach no-such-host\.invalid:22: cannot resolve host name/);
  });

  it("times out within the timeout when the server never answers", async () => {
    const silent = await tcpServer(() => {});
    try {
      const started = Date.now();
      const err = await scanError(scanHostKeys({ address: "127.0.0.1", port: silent.port, timeoutMs: 400 }));
      const elapsed = Date.now() - started;
      expect(err.kind).toBe("timeout");
      expect(err.message).toMatch(new RegExp(`^Timed out after 0\\.4 s connecting to 127\\.0\\.0\\.1:${silent.port}\\.`));
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });

  it("stops promptly when its AbortSignal fires", async () => {
    const silent = await tcpServer(() => {});
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      const err = await scanError(scanHostKeys({ address: "127.0.0.1", port: silent.port, timeoutMs: 10_000, signal: controller.signal }));
      expect(err.kind).toBe("aborted");
      expect(Date.now() - started).toBeLessThan(1000);
      // an already aborted signal does not connect at all
      const again = await scanError(scanHostKeys({ address: "127.0.0.1", port: silent.port, signal: AbortSignal.abort() }));
      expect(again.kind).toBe("aborted");
    } finally {
      await silent.close();
    }
  });

  it("says a server that answers something else is not an SSH server", async () => {
    const http = await tcpServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    try {
      const err = await scanError(scanHostKeys({ address: "127.0.0.1", port: http.port, timeoutMs: 5000 }));
      expect(err.kind).toBe("not_ssh");
      expect(err.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${http.port} did not answer like an SSH server`));
    } finally {
      await http.close();
    }
  });
});
