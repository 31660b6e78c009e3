// A loopback stand-in for the parts of GitHub's REST API a GitHub App uses for check runs, speaking the
// real protocol: the app authenticates with an RS256 JWT (iss = App ID, at most 10 minutes long) to get an
// installation access token, then calls the repository endpoints with `Authorization: token <token>`.
// The JWT is verified against the app's public key, so a test proves the key really signed it.
//
//   POST  /app/installations/:id/access_tokens    (JWT)    → 201 { token, expires_at, permissions }
//   GET   /repos/:owner/:repo/installation         (JWT)    → 200 { id, app_id, account }
//   POST  /repos/:owner/:repo/check-runs           (token)  → 201 check run
//   PATCH /repos/:owner/:repo/check-runs/:id       (token)  → 200 check run
//   GET   /repos/:owner/:repo/check-runs/:id       (token)  → 200 check run
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign as rsaSign, verify as rsaVerify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An RSA key pair as GitHub hands it out: the private key in PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"). */
export function generateAppKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKey, publicKey };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** Signs a GitHub App JWT the way a client must (tests use it to forge bad ones). */
export function signAppJwt(privateKey: string, claims: { iss: number | string; iat: number; exp: number }, alg = "RS256"): string {
  const data = `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  return `${data}.${b64url(rsaSign("sha256", Buffer.from(data), privateKey))}`;
}

export interface CheckRunCall {
  method: "POST" | "PATCH";
  owner: string;
  repo: string;
  /** the check run id (PATCH: from the path; POST: the one created) */
  id: number | null;
  body: Record<string, unknown>;
  /** the HTTP status the stand-in answered */
  status: number;
}

export interface TokenRequest {
  installationId: number;
  status: number;
  /** why it was refused, as GitHub words it */
  message?: string;
  /** the token issued (so a test can look for it where it must not be) */
  token?: string;
}

export interface CheckRun {
  id: number;
  owner: string;
  repo: string;
  head_sha: string;
  name: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
}

export interface GithubApiOptions {
  appId: number;
  /** the app's public key (SPKI or PKCS#1 PEM) */
  publicKey: string;
  /** "owner/repo" → installation id; tokens of an installation work on its repositories only */
  installations: Record<string, number>;
  /** lifetime of issued tokens (GitHub: one hour) */
  tokenTtlSeconds?: number;
}

export interface GithubApi {
  /** the REST base URL (what a GitHub app's api_url is set to) */
  url: string;
  checkRuns: CheckRunCall[];
  tokenRequests: TokenRequest[];
  /** check runs by id, as GitHub holds them now */
  runs: Map<number, CheckRun>;
  /** the next request to a repository endpoint gets this status and GitHub-shaped message */
  failNext(status: number, message?: string): void;
  /** revokes every token issued so far (they answer 401 Bad credentials) */
  revokeTokens(): void;
  stop(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";

export async function startGithubApi(opts: GithubApiOptions): Promise<GithubApi> {
  const publicKey = createPublicKey(opts.publicKey);
  const ttl = opts.tokenTtlSeconds ?? 3600;
  const tokens = new Map<string, { installationId: number; expiresAt: number }>();
  const checkRuns: CheckRunCall[] = [];
  const tokenRequests: TokenRequest[] = [];
  const runs = new Map<number, CheckRun>();
  let nextRunId = 4_000_000_001; // above 2^31, as real check run ids are
  let failure: { status: number; message: string } | null = null;
  const installationIds = new Set(Object.values(opts.installations));

  function send(res: ServerResponse, status: number, body: unknown) {
    const json = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json), "x-github-media-type": "github.v3; format=json" });
    res.end(json);
  }
  const error = (res: ServerResponse, status: number, message: string) => send(res, status, { message, documentation_url: DOCS, status: String(status) });

  /** null when the JWT is good; otherwise GitHub's words for what is wrong with it */
  function jwtProblem(req: IncomingMessage): string | null {
    const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (!m?.[1]) return "A JSON web token could not be decoded";
    const parts = m[1].split(".");
    if (parts.length !== 3) return "A JSON web token could not be decoded";
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string };
    let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as typeof header;
      claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as typeof claims;
    } catch {
      return "A JSON web token could not be decoded";
    }
    if (header.alg !== "RS256") return "A JSON web token could not be decoded";
    if (!rsaVerify("sha256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, "base64url"))) return "A JSON web token could not be decoded";
    if (String(claims.iss) !== String(opts.appId)) return "Integration not found";
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat !== "number" || claims.iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    if (typeof claims.exp !== "number" || claims.exp <= now) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    if (claims.exp > now + 600 + 60) return "'Expiration time' claim ('exp') is too far in the future";
    return null;
  }

  /** the installation of a valid token, or null */
  function tokenInstallation(req: IncomingMessage): number | null {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const t = m?.[1] ? tokens.get(m[1]) : undefined;
    if (!t || t.expiresAt <= Date.now()) return null;
    return t.installationId;
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    if (!raw) return {};
    try {
      const v = JSON.parse(raw) as unknown;
      return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const view = (r: CheckRun, base: string) => ({
    ...r,
    node_id: b64url(`CheckRun${r.id}`),
    url: `${base}/repos/${r.owner}/${r.repo}/check-runs/${r.id}`,
    html_url: `https://github.com/${r.owner}/${r.repo}/runs/${r.id}`,
    app: { id: opts.appId },
    pull_requests: [],
    owner: undefined,
    repo: undefined,
  });
  const STATUSES = ["queued", "in_progress", "completed", "waiting", "requested", "pending"];
  const CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];

  /** applies a create/update body; a message when GitHub would answer 422 */
  function apply(run: CheckRun, body: Record<string, unknown>): string | null {
    const status = body.status === undefined ? undefined : str(body.status);
    const conclusion = body.conclusion === undefined ? undefined : str(body.conclusion);
    if (status !== undefined && (status === null || !STATUSES.includes(status))) return `Invalid request.\n\n${JSON.stringify(body.status)} is not a member of ${JSON.stringify(STATUSES)}.`;
    if (conclusion !== undefined && (conclusion === null || !CONCLUSIONS.includes(conclusion))) return `Invalid request.\n\n${JSON.stringify(body.conclusion)} is not a member of ${JSON.stringify(CONCLUSIONS)}.`;
    if (status === "completed" && !conclusion) return "Invalid request.\n\nNo subschema in \"anyOf\" matched.\n\"conclusion\" wasn't supplied.";
    for (const k of ["details_url", "external_id", "started_at", "completed_at"] as const) {
      if (body[k] !== undefined && typeof body[k] !== "string") return `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(body[k])} is not a string.`;
    }
    if (typeof body.details_url === "string" && !/^https?:\/\/\S+$/.test(body.details_url)) return "Invalid request.\n\ndetails_url must be a URL.";
    const output = body.output as { title?: unknown; summary?: unknown; text?: unknown } | undefined;
    if (output !== undefined && (typeof output !== "object" || output === null || typeof output.title !== "string" || typeof output.summary !== "string")) {
      return "Invalid request.\n\n\"title\" and \"summary\" weren't supplied in output.";
    }
    if (typeof body.name === "string") run.name = body.name;
    if (conclusion) {
      run.status = "completed";
      run.conclusion = conclusion;
      run.completed_at = str(body.completed_at) ?? run.completed_at ?? new Date().toISOString().replace(/\.\d+Z$/, "Z");
    } else if (status) {
      run.status = status;
      if (status !== "completed") {
        run.conclusion = null;
        run.completed_at = null;
      }
    }
    for (const k of ["details_url", "external_id", "started_at"] as const) if (typeof body[k] === "string") run[k] = body[k] as string;
    if (output) run.output = { title: output.title as string, summary: output.summary as string, text: str(output.text) };
    return null;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const method = req.method ?? "GET";
      let m: RegExpExecArray | null;

      if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname)) && method === "POST") {
        const installationId = Number(m[1]);
        await readJson(req);
        const problem = jwtProblem(req);
        if (problem) {
          tokenRequests.push({ installationId, status: 401, message: problem });
          return error(res, 401, problem);
        }
        if (!installationIds.has(installationId)) {
          tokenRequests.push({ installationId, status: 404, message: "Not Found" });
          return error(res, 404, "Not Found");
        }
        const token = `ghs_${randomBytes(18).toString("base64url")}`;
        const expiresAt = Date.now() + ttl * 1000;
        tokens.set(token, { installationId, expiresAt });
        tokenRequests.push({ installationId, status: 201, token });
        return send(res, 201, {
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, "Z"),
          permissions: { checks: "write", contents: "read", metadata: "read" },
          repository_selection: "selected",
        });
      }

      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(url.pathname)) && method === "GET") {
        const problem = jwtProblem(req);
        if (problem) return error(res, 401, problem);
        const id = opts.installations[`${m[1]}/${m[2]}`];
        if (id === undefined) return error(res, 404, "Not Found");
        return send(res, 200, { id, app_id: opts.appId, account: { login: m[1] }, target_type: "Organization" });
      }

      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs(?:\/(\d+))?$/.exec(url.pathname))) {
        const [owner, repo, idText] = [m[1] as string, m[2] as string, m[3]];
        const isPost = method === "POST" && idText === undefined;
        const isPatch = method === "PATCH" && idText !== undefined;
        const isGet = method === "GET" && idText !== undefined;
        if (!isPost && !isPatch && !isGet) return error(res, 404, "Not Found");
        const body = isGet ? {} : await readJson(req);
        const record = (status: number, id: number | null) => {
          if (!isGet) checkRuns.push({ method: isPost ? "POST" : "PATCH", owner, repo, id, body: body ?? {}, status });
        };
        const installation = tokenInstallation(req);
        if (installation === null) {
          record(401, idText ? Number(idText) : null);
          return error(res, 401, "Bad credentials");
        }
        if (opts.installations[`${owner}/${repo}`] !== installation) {
          record(403, idText ? Number(idText) : null);
          return error(res, 403, "Resource not accessible by integration");
        }
        if (failure) {
          const f = failure;
          failure = null;
          record(f.status, idText ? Number(idText) : null);
          return error(res, f.status, f.message);
        }
        if (body === null) {
          record(400, null);
          return error(res, 400, "Problems parsing JSON");
        }
        if (isPost) {
          const headSha = str(body.head_sha);
          const name = str(body.name);
          if (!name || !headSha || !/^[0-9a-f]{40}$/.test(headSha)) {
            record(422, null);
            return error(res, 422, `Invalid request.\n\n${!name ? '"name"' : '"head_sha"'} wasn't supplied.`);
          }
          const run: CheckRun = {
            id: nextRunId++,
            owner,
            repo,
            head_sha: headSha,
            name,
            status: "queued",
            conclusion: null,
            details_url: null,
            external_id: null,
            started_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            completed_at: null,
            output: { title: null, summary: null, text: null },
          };
          const bad = apply(run, body);
          if (bad) {
            record(422, null);
            return error(res, 422, bad);
          }
          runs.set(run.id, run);
          record(201, run.id);
          return send(res, 201, view(run, base));
        }
        const id = Number(idText);
        const run = runs.get(id);
        if (!run || run.owner !== owner || run.repo !== repo) {
          record(404, id);
          return error(res, 404, "Not Found");
        }
        if (isGet) return send(res, 200, view(run, base));
        const copy: CheckRun = { ...run, output: { ...run.output } };
        const bad = apply(copy, body);
        if (bad) {
          record(422, id);
          return error(res, 422, bad);
        }
        runs.set(id, copy);
        record(200, id);
        return send(res, 200, view(copy, base));
      }

      return error(res, 404, "Not Found");
    })().catch((err: unknown) => {
      if (!res.headersSent) error(res, 500, `stand-in error: ${String(err)}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    checkRuns,
    tokenRequests,
    runs,
    failNext(status, message = status >= 500 ? "Server Error" : "Forbidden") {
      failure = { status, message };
    },
    revokeTokens() {
      tokens.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** a 40-hex-digit SHA-1 of a string: a commit SHA for tests */
export function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}
