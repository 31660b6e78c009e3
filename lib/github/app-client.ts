// GitHub App clients: the app itself (a JWT signed with its private key) and its installations (an
// installation access token). Built on @octokit/app with the app's REST base URL, so GitHub Enterprise
// (https://HOST/api/v3) and loopback stand-ins work like api.github.com.
//
// - Every request is bounded by GITHUB_REQUEST_TIMEOUT_MS, and by the caller's AbortSignal when given.
// - Installation tokens are cached in memory, per app key and installation, until 5 minutes before they
//   expire; a 401 with a cached token drops it, so the next call asks for a fresh one.
// - Tokens and private keys are never logged, and never put in an error message.
import { createHash } from "node:crypto";
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { slipwayVersion } from "@/lib/version";
import { isSecureOrLoopbackUrl } from "@/lib/validation/loopback";

export const GITHUB_REQUEST_TIMEOUT_MS = 15_000;
/** a cached installation token is used until this long before it expires */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** The app or repository is not set up to talk to GitHub; retrying does not help until someone fixes it. */
export class GithubAppSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GithubAppSetupError";
  }
}

/** GitHub (or the network) refused or failed a request; `status` is GitHub's HTTP status when it answered. */
export class GithubApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "GithubApiError";
  }
}

export type GithubOctokit = InstanceType<typeof Octokit>;

export interface InstallationClient {
  /** authenticated as the installation (Authorization: token …) */
  octokit: GithubOctokit;
  owner: string;
  repo: string;
  installationId: number;
  /** the GitHub app row's name, for messages */
  appName: string;
  /** the app's id on GitHub: what it wrote carries it (performed_via_github_app.id) */
  appId: number;
}

/** fetch with a per-request timeout, combined with the caller's signal */
function timedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

// auth-app warns (clock skew, token replication retries) through this; messages carry no credentials
const octokitLog = {
  debug: () => {},
  info: () => {},
  warn: (msg: string) => log.warn({ component: "github" }, msg),
  error: (msg: string) => log.error({ component: "github" }, msg),
};

function octokitClass(apiUrl: string) {
  return Octokit.defaults({
    baseUrl: apiUrl.replace(/\/+$/, ""),
    userAgent: `slipway/${slipwayVersion}`,
    request: { fetch: timedFetch(GITHUB_REQUEST_TIMEOUT_MS) },
    log: octokitLog,
  });
}

interface LoadedApp {
  rowId: string;
  name: string;
  appId: number;
  apiUrl: string;
  /** hash of everything that makes the app's identity; a changed key or URL gets a new App and new tokens */
  key: string;
  app: App;
  Client: ReturnType<typeof octokitClass>;
}

const apps = new Map<string, LoadedApp>();
const tokens = new Map<string, { token: string; expiresAt: number }>();
const pendingTokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();

/** Forgets every cached App and installation token (tests; a key rotation is noticed without it). */
export function clearGithubClientCache(): void {
  apps.clear();
  tokens.clear();
  pendingTokens.clear();
}

type AppRow = { id: string; name: string; appId: bigint | null; apiUrl: string; privateKeySecretId: string | null };

async function loadApp(row: AppRow): Promise<LoadedApp> {
  if (row.appId === null) {
    throw new GithubAppSetupError(
      `GitHub app ${row.name} has no App ID: set it under Settings → GitHub apps (the number on the app's page on GitHub).`,
    );
  }
  const privateKey = row.privateKeySecretId ? await revealSecret(row.privateKeySecretId) : null;
  if (!privateKey) {
    throw new GithubAppSetupError(
      `GitHub app ${row.name} has no private key: generate one on the app's page on GitHub and paste the .pem file under Settings → GitHub apps.`,
    );
  }
  let api: URL | null;
  try {
    api = new URL(row.apiUrl);
  } catch {
    api = null;
  }
  if (!api || !isSecureOrLoopbackUrl(api)) {
    // saved before https was required: the JWT and installation tokens would travel in clear
    throw new GithubAppSetupError(
      `GitHub app ${row.name} has an API URL that is not https:// (${row.apiUrl}); Slipway does not send the app's credentials over plain HTTP. Set an https:// API URL under Settings → GitHub apps.`,
    );
  }
  const appId = Number(row.appId);
  const key = createHash("sha256").update(`${appId}\n${row.apiUrl}\n${privateKey}`).digest("hex");
  const cached = apps.get(row.id);
  if (cached?.key === key) return cached;
  const Client = octokitClass(row.apiUrl);
  const app = new App({ appId, privateKey, Octokit: Client, log: octokitLog });
  const loaded: LoadedApp = { rowId: row.id, name: row.name, appId, apiUrl: row.apiUrl, key, app, Client };
  apps.set(row.id, loaded);
  return loaded;
}

const appSelect = { id: true, name: true, appId: true, apiUrl: true, privateKeySecretId: true } as const;

function describeFailure(err: unknown): { status: number | null; message: string } {
  const status = typeof (err as { status?: unknown })?.status === "number" ? (err as { status: number }).status : null;
  const message = err instanceof Error ? err.message : String(err);
  return { status, message };
}

async function requestToken(app: LoadedApp, installationId: number, signal?: AbortSignal): Promise<{ token: string; expiresAt: number }> {
  let data: { token: string; expires_at: string };
  try {
    const res = await app.app.octokit.request("POST /app/installations/{installation_id}/access_tokens", {
      installation_id: installationId,
      request: { signal },
    });
    data = res.data;
  } catch (err) {
    const { status, message } = describeFailure(err);
    const why =
      status === 401
        ? `GitHub refused the app's signed JWT (${message}); check the App ID and private key under Settings → GitHub apps`
        : status === 404
          ? `GitHub knows no installation ${installationId} of this app (${message}); was the app uninstalled from the repository?`
          : status === 403
            ? `GitHub refused the token request (${message}); the installation may be suspended`
            : message;
    throw new GithubApiError(`Could not get an installation token for GitHub app ${app.name}: ${why}`, status);
  }
  const expiresAt = Date.parse(data.expires_at);
  if (!data.token || Number.isNaN(expiresAt)) {
    throw new GithubApiError(`GitHub app ${app.name}: the installation token answer has no token or expiry`, null);
  }
  return { token: data.token, expiresAt };
}

async function cachedToken(app: LoadedApp, installationId: number, signal?: AbortSignal): Promise<string> {
  const key = `${app.key}:${installationId}`;
  const hit = tokens.get(key);
  if (hit && hit.expiresAt - TOKEN_REFRESH_MARGIN_MS > Date.now()) return hit.token;
  // concurrent callers share one request, bounded by its own timeout, not by the first caller's signal
  // (that caller giving up must not fail the others); each caller stops waiting on its own signal
  let pending = pendingTokens.get(key);
  if (!pending) {
    pending = requestToken(app, installationId)
      .then((fresh) => {
        tokens.set(key, fresh);
        log.debug({ app: app.name, installationId, expiresAt: new Date(fresh.expiresAt).toISOString() }, "github installation token issued");
        return fresh;
      })
      .finally(() => pendingTokens.delete(key));
    pendingTokens.set(key, pending);
  }
  if (!signal) return (await pending).token;
  signal.throwIfAborted();
  const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  return (await Promise.race([pending, aborted])).token;
}

function forgetToken(app: LoadedApp, installationId: number, token: string): void {
  const key = `${app.key}:${installationId}`;
  if (tokens.get(key)?.token === token) tokens.delete(key);
}

interface ResolvedRepo {
  app: LoadedApp;
  installationId: number;
  owner: string;
  repo: string;
}

async function resolveRepository(repositoryId: string): Promise<ResolvedRepo | null> {
  const repo = await getDb().repository.findUnique({
    where: { id: repositoryId },
    select: { name: true, installationId: true, app: { select: appSelect } },
  });
  if (!repo) throw new GithubAppSetupError("That repository does not exist any more.");
  if (!repo.app) return null;
  const app = await loadApp(repo.app);
  if (repo.installationId === null) {
    throw new GithubAppSetupError(
      `Repository ${repo.name} has no installation id yet; Slipway learns it from the first webhook delivery of GitHub app ${repo.app.name}. ` +
        `Install the app on the repository (or redeliver a webhook from the app's Advanced settings on GitHub) and try again.`,
    );
  }
  const [owner, name] = repo.name.split("/");
  if (!owner || !name) throw new GithubAppSetupError(`Repository ${repo.name} is not named owner/name, so GitHub cannot be asked about it.`);
  return { app, installationId: Number(repo.installationId), owner, repo: name };
}

/**
 * An installation access token for the repository's GitHub app installation; null when the repository has
 * no app (a plain git repository). Throws GithubAppSetupError (in words) when the app or repository is not
 * set up, GithubApiError when GitHub refuses.
 */
export async function installationToken(repositoryId: string, signal?: AbortSignal): Promise<string | null> {
  const r = await resolveRepository(repositoryId);
  if (!r) return null;
  return cachedToken(r.app, r.installationId, signal);
}

/**
 * An Octokit authenticated as the repository's app installation, with the repository's owner and name;
 * null when the repository has no app. A 401 answer drops the cached token so the next call gets a new one.
 */
export async function installationOctokit(repositoryId: string, signal?: AbortSignal): Promise<InstallationClient | null> {
  const r = await resolveRepository(repositoryId);
  if (!r) return null;
  const token = await cachedToken(r.app, r.installationId, signal);
  const octokit = new r.app.Client({ auth: token });
  octokit.hook.error("request", (err) => {
    if ((err as { status?: unknown }).status === 401) forgetToken(r.app, r.installationId, token);
    throw err;
  });
  return { octokit, owner: r.owner, repo: r.repo, installationId: r.installationId, appName: r.app.name, appId: r.app.appId };
}
