// A loopback stand-in for the parts of GitHub's REST API a GitHub App uses for check runs and deployments,
// speaking the real protocol: the app authenticates with an RS256 JWT (iss = App ID, at most 10 minutes
// long) to get an installation access token, then calls the repository endpoints with
// `Authorization: token <token>`. The JWT is verified against the app's public key, so a test proves the
// key really signed it.
//
//   POST  /app/installations/:id/access_tokens          (JWT)    → 201 { token, expires_at, permissions }
//   GET   /repos/:owner/:repo/installation               (JWT)    → 200 { id, app_id, account }
//   POST  /repos/:owner/:repo/check-runs                 (token)  → 201 check run
//   PATCH /repos/:owner/:repo/check-runs/:id             (token)  → 200 check run
//   GET   /repos/:owner/:repo/check-runs/:id             (token)  → 200 check run
//   POST  /repos/:owner/:repo/deployments                (token)  → 201 deployment (ref must be a 40-hex SHA here)
//   POST  /repos/:owner/:repo/deployments/:id/statuses   (token)  → 201 deployment status
//   GET   /repos/:owner/:repo/deployments/:id/statuses   (token)  → 200 [statuses, newest first]
//
// A token carries its installation's permissions as they were when it was issued (options.permissions,
// per installation in options.installationPermissions); an endpoint the token lacks the permission for
// answers 403 "Resource not accessible by integration", as GitHub does. Calls that change something are
// recorded (checkRuns, deployments, deploymentStatuses) with the status the stand-in answered.
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

export interface DeploymentCall {
  owner: string;
  repo: string;
  /** the deployment created, or null when refused */
  id: number | null;
  body: Record<string, unknown>;
  /** the HTTP status the stand-in answered */
  status: number;
}

export interface DeploymentStatusCall {
  owner: string;
  repo: string;
  /** the deployment's id, from the path */
  deploymentId: number;
  /** the status created, or null when refused */
  id: number | null;
  body: Record<string, unknown>;
  /** the HTTP status the stand-in answered */
  status: number;
}

/** GET and POST …/issues/:number/comments and PATCH …/issues/comments/:id calls */
export interface IssueCommentCall {
  method: "GET" | "POST" | "PATCH";
  owner: string;
  repo: string;
  /** GET and POST: the issue (pull request) number from the path; PATCH: null */
  issueNumber: number | null;
  /** the comment created or edited, or null when refused (GET: null) */
  id: number | null;
  body: Record<string, unknown>;
  /** the HTTP status the stand-in answered */
  status: number;
}

/** A comment as GitHub holds it now. */
export interface IssueComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  created_at: string;
  updated_at: string;
  /** written by someone, not by the app (tests put such comments in `comments` themselves); absent: by the app */
  author?: string;
}

/** A deployment as GitHub holds it, with its statuses (oldest first). */
export interface GithubDeployment {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  statuses: GithubDeploymentStatus[];
}

export interface GithubDeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment: string;
  log_url: string;
  target_url: string;
  environment_url: string;
  auto_inactive: boolean;
  created_at: string;
}

export type Permission = "read" | "write";

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
  /** the app's permissions (default: checks and deployments write, contents and metadata read) */
  permissions?: Record<string, Permission>;
  /** installation id → its permissions, where they differ from `permissions` (an installation not yet accepting a new one) */
  installationPermissions?: Record<number, Record<string, Permission>>;
}

export interface GithubApi {
  /** the REST base URL (what a GitHub app's api_url is set to) */
  url: string;
  checkRuns: CheckRunCall[];
  tokenRequests: TokenRequest[];
  /** check runs by id, as GitHub holds them now */
  runs: Map<number, CheckRun>;
  /** POST …/deployments calls */
  deployments: DeploymentCall[];
  /** POST …/deployments/:id/statuses calls */
  deploymentStatuses: DeploymentStatusCall[];
  /** deployments by id, as GitHub holds them now */
  githubDeployments: Map<number, GithubDeployment>;
  /** issue (pull request) comment calls */
  commentCalls: IssueCommentCall[];
  /** comments by id, as GitHub holds them now (delete one to act as someone who deleted it on GitHub) */
  comments: Map<number, IssueComment>;
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
  const tokens = new Map<string, { installationId: number; expiresAt: number; permissions: Record<string, Permission> }>();
  const checkRuns: CheckRunCall[] = [];
  const tokenRequests: TokenRequest[] = [];
  const runs = new Map<number, CheckRun>();
  const deployments: DeploymentCall[] = [];
  const deploymentStatuses: DeploymentStatusCall[] = [];
  const githubDeployments = new Map<number, GithubDeployment>();
  const commentCalls: IssueCommentCall[] = [];
  const comments = new Map<number, IssueComment>();
  let nextCommentId = 1_900_000_001;
  const appPermissions: Record<string, Permission> = opts.permissions ?? { checks: "write", contents: "read", deployments: "write", metadata: "read", pull_requests: "write" };
  const permissionsOf = (installationId: number) => opts.installationPermissions?.[installationId] ?? appPermissions;
  let nextRunId = 4_000_000_001; // above 2^31, as real check run ids are
  let nextDeploymentId = 2_500_000_001;
  let nextStatusId = 5_000_000_001;
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
    return validToken(req)?.installationId ?? null;
  }
  function validToken(req: IncomingMessage) {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const t = m?.[1] ? tokens.get(m[1]) : undefined;
    if (!t || t.expiresAt <= Date.now()) return null;
    return t;
  }

  /**
   * The checks GitHub makes before a repository endpoint of an installation, in its order: a valid token
   * (401), of the repository's installation (403), with the permission (403); then a failure a test asked
   * for. null when the call may go on.
   */
  function refusal(req: IncomingMessage, owner: string, repo: string, permission: string, level: Permission): { status: number; message: string } | null {
    const t = validToken(req);
    if (!t) return { status: 401, message: "Bad credentials" };
    if (opts.installations[`${owner}/${repo}`] !== t.installationId) return { status: 403, message: "Resource not accessible by integration" };
    const has = t.permissions[permission];
    if (!has || (level === "write" && has !== "write")) return { status: 403, message: "Resource not accessible by integration" };
    if (failure) {
      const f = failure;
      failure = null;
      return f;
    }
    return null;
  }

  const isoNow = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const deploymentView = (d: GithubDeployment, base: string) => {
    const { statuses: _statuses, owner, repo, ...rest } = d;
    return {
      ...rest,
      url: `${base}/repos/${owner}/${repo}/deployments/${d.id}`,
      node_id: b64url(`Deployment${d.id}`),
      original_environment: d.environment,
      creator: { login: `slipway-test[bot]`, type: "Bot" },
      updated_at: d.created_at,
      statuses_url: `${base}/repos/${owner}/${repo}/deployments/${d.id}/statuses`,
      repository_url: `${base}/repos/${owner}/${repo}`,
      performed_via_github_app: { id: opts.appId },
    };
  };
  const statusView = (d: GithubDeployment, st: GithubDeploymentStatus, base: string) => {
    const { auto_inactive: _auto, ...rest } = st;
    return {
      ...rest,
      url: `${base}/repos/${d.owner}/${d.repo}/deployments/${d.id}/statuses/${st.id}`,
      node_id: b64url(`DeploymentStatus${st.id}`),
      creator: { login: `slipway-test[bot]`, type: "Bot" },
      updated_at: st.created_at,
      deployment_url: `${base}/repos/${d.owner}/${d.repo}/deployments/${d.id}`,
      repository_url: `${base}/repos/${d.owner}/${d.repo}`,
      performed_via_github_app: { id: opts.appId },
    };
  };
  const DEPLOYMENT_STATES = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
  const isUrl = (v: unknown) => typeof v === "string" && (v === "" || /^https?:\/\/\S+$/.test(v));

  /** GitHub's 422 message for a create-deployment body, or null */
  function deploymentProblem(body: Record<string, unknown>): string | null {
    if (typeof body.ref !== "string" || body.ref === "") return 'Invalid request.\n\n"ref" wasn\'t supplied.';
    for (const k of ["task", "environment"] as const) if (body[k] !== undefined && typeof body[k] !== "string") return `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(body[k])} is not a string.`;
    if (body.description !== undefined && body.description !== null && typeof body.description !== "string") return `Invalid request.\n\nFor 'properties/description', ${JSON.stringify(body.description)} is not a string or null.`;
    for (const k of ["auto_merge", "transient_environment", "production_environment"] as const) if (body[k] !== undefined && typeof body[k] !== "boolean") return `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(body[k])} is not a boolean.`;
    if (body.required_contexts !== undefined && !(Array.isArray(body.required_contexts) && body.required_contexts.every((c) => typeof c === "string"))) return "Invalid request.\n\nFor 'properties/required_contexts', it is not an array of strings.";
    if (body.payload !== undefined && typeof body.payload !== "string" && (typeof body.payload !== "object" || body.payload === null || Array.isArray(body.payload))) return "Invalid request.\n\nFor 'properties/payload', it is not an object or a string.";
    // the stand-in has no branches: only a full commit SHA names a commit
    if (!/^[0-9a-f]{40}$/.test(body.ref)) return `No ref found for: ${body.ref}`;
    return null;
  }

  /** GitHub's 422 message for a create-status body, or null */
  function statusProblem(body: Record<string, unknown>): string | null {
    if (typeof body.state !== "string" || !DEPLOYMENT_STATES.includes(body.state)) return `Invalid request.\n\n${JSON.stringify(body.state)} is not a member of ${JSON.stringify(DEPLOYMENT_STATES)}.`;
    for (const k of ["log_url", "target_url", "environment_url"] as const) if (body[k] !== undefined && !isUrl(body[k])) return `Invalid request.\n\n${k} must be a URL.`;
    if (body.description !== undefined && typeof body.description !== "string") return `Invalid request.\n\nFor 'properties/description', ${JSON.stringify(body.description)} is not a string.`;
    if (typeof body.description === "string" && [...body.description].length > 140) return "Validation Failed: description is too long (maximum is 140 characters)";
    if (body.environment !== undefined && typeof body.environment !== "string") return `Invalid request.\n\nFor 'properties/environment', ${JSON.stringify(body.environment)} is not a string.`;
    if (body.auto_inactive !== undefined && typeof body.auto_inactive !== "boolean") return `Invalid request.\n\nFor 'properties/auto_inactive', ${JSON.stringify(body.auto_inactive)} is not a boolean.`;
    return null;
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
        const permissions = { ...permissionsOf(installationId) };
        tokens.set(token, { installationId, expiresAt, permissions });
        tokenRequests.push({ installationId, status: 201, token });
        return send(res, 201, {
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, "Z"),
          permissions,
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
        const checks = validToken(req)?.permissions.checks;
        if (opts.installations[`${owner}/${repo}`] !== installation || (!isGet && checks !== "write") || !checks) {
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

      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/.exec(url.pathname)) && method === "POST") {
        const [owner, repo] = [m[1] as string, m[2] as string];
        const body = await readJson(req);
        const record = (status: number, id: number | null) => deployments.push({ owner, repo, id, body: body ?? {}, status });
        const refused = refusal(req, owner, repo, "deployments", "write");
        if (refused) {
          record(refused.status, null);
          return error(res, refused.status, refused.message);
        }
        if (body === null) {
          record(400, null);
          return error(res, 400, "Problems parsing JSON");
        }
        const bad = deploymentProblem(body);
        if (bad) {
          record(422, null);
          return error(res, 422, bad);
        }
        const environment = str(body.environment) ?? "production";
        const d: GithubDeployment = {
          id: nextDeploymentId++,
          owner,
          repo,
          sha: body.ref as string,
          ref: body.ref as string,
          task: str(body.task) ?? "deploy",
          environment,
          description: str(body.description) ?? "",
          payload: typeof body.payload === "string" ? body.payload : (body.payload ?? {}),
          transient_environment: body.transient_environment === true,
          production_environment: typeof body.production_environment === "boolean" ? body.production_environment : environment === "production",
          created_at: isoNow(),
          statuses: [],
        };
        githubDeployments.set(d.id, d);
        record(201, d.id);
        return send(res, 201, deploymentView(d, base));
      }

      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(url.pathname)) && (method === "POST" || method === "GET")) {
        const [owner, repo, deploymentId] = [m[1] as string, m[2] as string, Number(m[3])];
        const isPost = method === "POST";
        const body = isPost ? await readJson(req) : {};
        const record = (status: number, id: number | null) => {
          if (isPost) deploymentStatuses.push({ owner, repo, deploymentId, id, body: body ?? {}, status });
        };
        const refused = refusal(req, owner, repo, "deployments", isPost ? "write" : "read");
        if (refused) {
          record(refused.status, null);
          return error(res, refused.status, refused.message);
        }
        const d = githubDeployments.get(deploymentId);
        if (!d || d.owner !== owner || d.repo !== repo) {
          record(404, null);
          return error(res, 404, "Not Found");
        }
        if (!isPost) {
          const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
          const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
          const newestFirst = [...d.statuses].reverse().slice((page - 1) * perPage, page * perPage);
          return send(res, 200, newestFirst.map((st) => statusView(d, st, base)));
        }
        if (body === null) {
          record(400, null);
          return error(res, 400, "Problems parsing JSON");
        }
        const bad = statusProblem(body);
        if (bad) {
          record(422, null);
          return error(res, 422, bad);
        }
        // log_url replaces target_url: setting either sets both
        const logUrl = str(body.log_url) ?? str(body.target_url) ?? "";
        const st: GithubDeploymentStatus = {
          id: nextStatusId++,
          state: body.state as string,
          description: str(body.description) ?? "",
          environment: str(body.environment) ?? d.statuses.at(-1)?.environment ?? d.environment,
          log_url: logUrl,
          target_url: logUrl,
          environment_url: str(body.environment_url) ?? "",
          auto_inactive: body.auto_inactive !== false,
          created_at: isoNow(),
        };
        d.statuses.push(st);
        record(201, st.id);
        return send(res, 201, statusView(d, st, base));
      }

      // pull requests are issues to the comments API; GitHub takes either permission for a pull request's comments
      const commentView = (c: IssueComment) => ({
        id: c.id,
        node_id: b64url(`IssueComment${c.id}`),
        url: `${base}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
        html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
        issue_url: `${base}/repos/${c.owner}/${c.repo}/issues/${c.issueNumber}`,
        body: c.body,
        user: c.author ? { login: c.author, type: "User" } : { login: "slipway-test[bot]", type: "Bot" },
        created_at: c.created_at,
        updated_at: c.updated_at,
        author_association: "NONE",
        performed_via_github_app: c.author ? null : { id: opts.appId },
      });
      const commentRefusal = (owner: string, repo: string) => {
        const viaPulls = refusal(req, owner, repo, "pull_requests", "write");
        if (!viaPulls || viaPulls.status !== 403) return viaPulls;
        return refusal(req, owner, repo, "issues", "write");
      };
      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)) && method === "GET") {
        // oldest first, per_page (at most 100, 30 by default) and page, a Link header to the next page, as GitHub does
        const [owner, repo, issueNumber] = [m[1] as string, m[2] as string, Number(m[3])];
        const record = (status: number) => commentCalls.push({ method: "GET", owner, repo, issueNumber, id: null, body: {}, status });
        const viaPulls = refusal(req, owner, repo, "pull_requests", "read");
        const refused = viaPulls && viaPulls.status === 403 ? refusal(req, owner, repo, "issues", "read") : viaPulls;
        if (refused) {
          record(refused.status);
          return error(res, refused.status, refused.message);
        }
        const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
        const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
        const all = [...comments.values()].filter((c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber).sort((a, b) => a.id - b.id);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        if (page * perPage < all.length) {
          const next = new URL(url.toString());
          next.searchParams.set("page", String(page + 1));
          res.setHeader("link", `<${base}${next.pathname}${next.search}>; rel="next"`);
        }
        record(200);
        return send(res, 200, slice.map(commentView));
      }
      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)) && method === "POST") {
        const [owner, repo, issueNumber] = [m[1] as string, m[2] as string, Number(m[3])];
        const body = await readJson(req);
        const record = (status: number, id: number | null) => commentCalls.push({ method: "POST", owner, repo, issueNumber, id, body: body ?? {}, status });
        const refused = commentRefusal(owner, repo);
        if (refused) {
          record(refused.status, null);
          return error(res, refused.status, refused.message);
        }
        if (body === null) {
          record(400, null);
          return error(res, 400, "Problems parsing JSON");
        }
        if (typeof body.body !== "string" || body.body === "") {
          record(422, null);
          return error(res, 422, "Invalid request.\n\n\"body\" wasn't supplied.");
        }
        if (body.body.length > 65536) {
          record(422, null);
          return error(res, 422, "Validation Failed: body is too long (maximum is 65536 characters)");
        }
        const c: IssueComment = { id: nextCommentId++, owner, repo, issueNumber, body: body.body, created_at: isoNow(), updated_at: isoNow() };
        comments.set(c.id, c);
        record(201, c.id);
        return send(res, 201, commentView(c));
      }
      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)) && method === "PATCH") {
        const [owner, repo, id] = [m[1] as string, m[2] as string, Number(m[3])];
        const body = await readJson(req);
        const record = (status: number, cid: number | null) => commentCalls.push({ method: "PATCH", owner, repo, issueNumber: null, id: cid, body: body ?? {}, status });
        const refused = commentRefusal(owner, repo);
        if (refused) {
          record(refused.status, null);
          return error(res, refused.status, refused.message);
        }
        const c = comments.get(id);
        if (!c || c.owner !== owner || c.repo !== repo) {
          record(404, null);
          return error(res, 404, "Not Found");
        }
        if (body === null) {
          record(400, null);
          return error(res, 400, "Problems parsing JSON");
        }
        if (typeof body.body !== "string" || body.body === "") {
          record(422, null);
          return error(res, 422, "Invalid request.\n\n\"body\" wasn't supplied.");
        }
        c.body = body.body;
        c.updated_at = isoNow();
        record(200, c.id);
        return send(res, 200, commentView(c));
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
    deployments,
    deploymentStatuses,
    githubDeployments,
    commentCalls,
    comments,
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
