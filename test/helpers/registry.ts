// A private Docker registry (Debian's docker-registry, distribution 2.8) on a free loopback port, with
// filesystem storage in a temporary directory and, when asked, htpasswd auth. Killed when the test
// process exits, even by SIGKILL (setpriv --pdeathsig).
import { execFileSync, type ChildProcess } from "node:child_process";
import { createPrivateKey, createSign, randomUUID, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { freePort, spawnDaemon, stopDaemon } from "@/test/helpers/processes";

export const DOCKER_REGISTRY = "/usr/bin/docker-registry";

export interface TestRegistry {
  /** ADDRESS:PORT (127.0.0.1:PORT unless `address` was given), as images are named (127.0.0.1:PORT/repo:tag) */
  url: string;
  port: number;
  dir: string;
  /** the registry's own log (stderr and stdout) */
  logFile: string;
  /** with `token`: what the token server was asked (service, scope, account; whether the credentials were right) */
  tokenRequests: Array<{ query: Record<string, string>; authorized: boolean }>;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Basic auth against an htpasswd file */
  htpasswd?: { username: string; password: string };
  /**
   * Bearer token auth, as Docker Hub and most hosted registries do it: a token server on loopback (started
   * here) checks these credentials and issues JWTs the registry verifies against its certificate.
   */
  token?: { username: string; password: string };
  /**
   * The address to listen on instead of 127.0.0.1: a swarm node in another network namespace pulls from the
   * veth's host side (test/helpers/swarm-node.ts). Outside 127.0.0.0/8 a dockerd needs it in
   * --insecure-registry to speak plain HTTP.
   */
  address?: string;
}



/** An htpasswd line with a bcrypt hash in the `$2y$` form Go's bcrypt and Apache's htpasswd write. */
export function htpasswdLine(username: string, password: string): string {
  const hash = bcrypt.hashSync(password, 10).replace(/^\$2[ab]\$/, "$2y$");
  return `${username}:${hash}\n`;
}

type AuthConfig = { htpasswd: { realm: string; path: string } } | { token: { realm: string; service: string; issuer: string; rootcertbundle: string } };

function registryConfig(dir: string, address: string, port: number, auth: AuthConfig | undefined): object {
  // JSON is YAML; the registry reads it as its config.yml
  return {
    version: 0.1,
    log: { level: "info", formatter: "text", accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: path.join(dir, "data") }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
    http: { addr: `${address}:${port}`, headers: { "X-Content-Type-Options": ["nosniff"] } },
    ...(auth ? { auth } : {}),
  };
}

async function waitForV2(child: ChildProcess, address: string, port: number, logFile: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before answering:\n${readFileSync(logFile, "utf8")}`);
    }
    try {
      const res = await fetch(`http://${address}:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${address}:${port}/v2/ within ${timeoutMs} ms:\n${readFileSync(logFile, "utf8")}`);
}


async function startOnce(opts: StartRegistryOptions): Promise<TestRegistry> {
  if (!existsSync(DOCKER_REGISTRY)) throw new Error("docker-registry is not installed; run scripts/setup.sh");
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-registry-"));
  const port = await freePort();
  let auth: AuthConfig | undefined;
  let tokenServer: TokenServer | undefined;
  if (opts.htpasswd) {
    const htpasswdPath = path.join(dir, "htpasswd");
    writeFileSync(htpasswdPath, htpasswdLine(opts.htpasswd.username, opts.htpasswd.password), { mode: 0o600 });
    auth = { htpasswd: { realm: "slipway-test", path: htpasswdPath } };
  } else if (opts.token) {
    tokenServer = await startTokenServer(dir, opts.token);
    auth = { token: { realm: tokenServer.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: tokenServer.certPath } };
  }
  const configPath = path.join(dir, "config.yml");
  const address = opts.address ?? "127.0.0.1";
  writeFileSync(configPath, JSON.stringify(registryConfig(dir, address, port, auth), null, 2));
  const logFile = path.join(dir, "registry.log");
  const child = spawnDaemon(DOCKER_REGISTRY, ["serve", configPath], { logFile });

  const stop = async () => {
    await stopDaemon(child, 5000);
    await tokenServer?.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForV2(child, address, port, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `${address}:${port}`, port, dir, logFile, tokenRequests: tokenServer?.requests ?? [], stop };
}

export const TOKEN_SERVICE = "slipway-test-registry";
export const TOKEN_ISSUER = "slipway-test-token-server";

interface TokenServer {
  realm: string;
  certPath: string;
  /** the requests it answered: query strings and whether the credentials were right (never the password) */
  requests: Array<{ query: Record<string, string>; authorized: boolean }>;
  close(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/**
 * A token server as the distribution spec describes it (GET realm?service=&scope=&account= with Basic
 * credentials → {"token": JWT}). The JWT carries the certificate in x5c; the registry trusts it through
 * rootcertbundle. The certificate is made with openssl (argument array, no shell).
 */
async function startTokenServer(dir: string, credentials: { username: string; password: string }): Promise<TokenServer> {
  const keyPath = path.join(dir, "token-key.pem");
  const certPath = path.join(dir, "token-cert.pem");
  execFileSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=slipway-test-token"], { stdio: "ignore" });
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const certDer = new X509Certificate(readFileSync(certPath)).raw;
  const requests: TokenServer["requests"] = [];

  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    const authorized = req.headers.authorization === expected;
    requests.push({ query: Object.fromEntries(url.searchParams), authorized });
    if (url.pathname !== "/token") {
      res.writeHead(404).end();
      return;
    }
    if (!authorized) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="slipway-test-token"' });
      res.end(JSON.stringify({ details: "incorrect username or password" }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", x5c: [certDer.toString("base64")] };
    // every requested scope is granted ("repository:NAME:pull,push"; several scope parameters may be given)
    const access = url.searchParams.getAll("scope").flatMap((scope) => {
      const m = /^([^:]+):(.+):([^:]*)$/.exec(scope);
      return m ? [{ type: m[1], name: m[2], actions: m[3]!.split(",").filter(Boolean) }] : [];
    });
    const claims = { iss: TOKEN_ISSUER, sub: credentials.username, aud: url.searchParams.get("service") ?? "", exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(signingInput).sign(privateKey);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token: `${signingInput}.${base64url(signature)}`, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts a registry; retried on another port if the free one was taken in the meantime. */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt < 3 && /address already in use/.test(String(err))) continue;
      throw err;
    }
  }
}
