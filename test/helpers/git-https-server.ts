// An https git server on loopback, standing in for github.com: git http-backend behind node's https server, in
// the test process (bench:build runs the same server, gitHttpBackendServer, in a child process of its own). It
// counts requests and records the Authorization headers it was sent, so a test can tell whether a fetch went to
// the network and carried the token. Slipway runs git without global or system config, so the self-signed
// certificate is trusted through a `git` wrapper put first on PATH (it adds `-c http.sslCAInfo=…`); stop()
// puts PATH back.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

export interface GitHttpsServer {
  url(repoName: string): string;
  /** requests so far, and the Authorization headers among them */
  requests: number;
  authorizations: string[];
  stop(): Promise<void>;
}

/** One certificate and one `git` wrapper for every server of this process; PATH is put back when the last stops. */
let shared: { work: string; cert: string; key: string; oldPath: string | undefined; users: number } | null = null;

/**
 * A self-signed certificate for 127.0.0.1 (PEM files) that git trusts from now on, through a `git` wrapper put
 * first on PATH. Each call wants one untrustGitCertificate(); the last puts PATH back and removes the files.
 */
export function trustGitCertificate(): { cert: string; key: string } {
  if (shared) {
    shared.users++;
    return shared;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), "slipway-git-https-"));
  const cert = path.join(work, "cert.pem");
  const key = path.join(work, "key.pem");
  execFileSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  writeFileSync(path.join(bin, "git"), `#!/bin/sh\nexec /usr/bin/git -c http.sslCAInfo=${cert} "$@"\n`);
  chmodSync(path.join(bin, "git"), 0o755);
  shared = { work, cert, key, oldPath: process.env.PATH, users: 1 };
  process.env.PATH = `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`;
  return shared;
}

export function untrustGitCertificate(): void {
  if (!shared || --shared.users > 0) return;
  process.env.PATH = shared.oldPath;
  rmSync(shared.work, { recursive: true, force: true });
  shared = null;
}

/** The https server alone, not yet listening: git http-backend as CGI for every repository under `root`. */
export interface GitHttpBackendServer {
  server: Server;
  /** requests so far, and the Authorization headers among them */
  requests: number;
  authorizations: string[];
}

/**
 * git http-backend behind node's https server, with the given certificate and key (PEM files). Used by
 * startGitHttpsServer in tests and by bench:build in a child process of its own. With `protocolV0` the
 * server speaks git's protocol v0 and refuses commits that are not a ref's tip, as some servers do.
 */
export function gitHttpBackendServer(root: string, tls: { cert: string; key: string }, opts: { protocolV0?: boolean; backendStderr?: "ignore" | "inherit" } = {}): GitHttpBackendServer {
  const counts = { requests: 0, authorizations: [] as string[] };
  const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    counts.requests++;
    if (req.headers.authorization) counts.authorizations.push(req.headers.authorization);
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: process.env.NODE_ENV,
      PATH: "/usr/bin:/bin",
      HOME: root,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_ADDR: "127.0.0.1",
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
    // without the Git-Protocol header http-backend speaks v0
    if (req.headers["git-protocol"] && !opts.protocolV0) env.HTTP_GIT_PROTOCOL = String(req.headers["git-protocol"]);
    const child = spawn("/usr/lib/git-core/git-http-backend", [], { env, stdio: ["pipe", "pipe", opts.backendStderr ?? "ignore"] });
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    let head: Buffer | null = Buffer.alloc(0);
    child.stdout.on("data", (d: Buffer) => {
      if (head === null) {
        res.write(d);
        return;
      }
      head = Buffer.concat([head, d]);
      const sep = head.indexOf("\r\n\r\n");
      if (sep < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString("latin1").split("\r\n")) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number.parseInt(v, 10) || 500;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(sep + 4));
      head = null;
    });
    child.stdout.on("end", () => {
      if (head !== null && !res.headersSent) res.writeHead(502);
      res.end();
    });
    child.on("error", () => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return Object.assign(counts, { server });
}

/**
 * Serves every repository under `root` on a loopback port, trusted by git through the wrapper on PATH. With
 * `protocolV0` the server speaks git's protocol v0 and refuses commits that are not a ref's tip, as some
 * servers do (Slipway then fetches the ref instead).
 */
export async function startGitHttpsServer(root: string, opts: { protocolV0?: boolean } = {}): Promise<GitHttpsServer> {
  const tls = trustGitCertificate();
  const backend = gitHttpBackendServer(root, tls, opts);
  const { server } = backend;
  const state: GitHttpsServer = {
    url: () => "",
    get requests() {
      return backend.requests;
    },
    get authorizations() {
      return backend.authorizations;
    },
    stop: async () => undefined,
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = (name) => `https://127.0.0.1:${port}/${name}`;
  state.stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    untrustGitCertificate();
  };
  return state;
}
