// The environment, validated with zod. Every variable Slipway reads is declared here (README lists them).
// A missing or malformed variable stops start-up with its name and what to do.
import { z } from "zod";

const bool = z
  .enum(["0", "1", "true", "false", ""])
  .optional()
  .transform((v) => v === "1" || v === "true");

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), "must be a postgres:// or postgresql:// URL");

const httpUrl = z
  .string()
  .trim()
  .url("must be an absolute http(s) URL")
  .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://");

/** A 32-byte key, as 64 hex characters or base64. */
const secretKey = z
  .string()
  .trim()
  .refine((v) => decodeKey(v) !== null, "must be 32 bytes as 64 hex characters or base64 (generate one: openssl rand -hex 32)");

export function decodeKey(v: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const b = Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return b.length === 32 ? b : null;
  }
  return null;
}

const logins = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(/[\s,]+/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,38}$/, "each login must be a GitHub login (letters, digits, dashes)")));

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: postgresUrl.optional(),
    SLIPWAY_DATA_DIR: z.string().trim().min(1).default(".slipway"),
    /** unset: http://HOST:PORT (see baseUrlFor) */
    SLIPWAY_URL: httpUrl.optional(),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    SLIPWAY_SECRET_KEY: secretKey.optional(),
    GITHUB_CLIENT_ID: z.string().trim().min(1).optional(),
    GITHUB_CLIENT_SECRET: z.string().trim().min(1).optional(),
    GITHUB_AUTHORIZATION_URL: httpUrl.default("https://github.com/login/oauth/authorize"),
    GITHUB_TOKEN_URL: httpUrl.default("https://github.com/login/oauth/access_token"),
    GITHUB_USERINFO_URL: httpUrl.default("https://api.github.com/user"),
    SLIPWAY_ADMINS: logins,
    SLIPWAY_DEFAULT_ROLE: z.enum(["viewer", "operator", "admin"]).default("viewer"),
    SLIPWAY_DEV_LOGIN: bool,
    SLIPWAY_TRUST_PROXY: bool,
    SLIPWAY_SESSION_DAYS: z.coerce.number().int().min(1).max(90).default(7),
    SLIPWAY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** builds one worker runs at once, besides its other jobs */
    SLIPWAY_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** deployments one worker process runs at once (each target still runs one at a time) */
    SLIPWAY_DEPLOY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    SLIPWAY_WORKER_ID: z.string().trim().min(1).optional(),
    SLIPWAY_DB_POOL: z.coerce.number().int().min(1).max(200).default(10),
    /** the webhook receiver's own connections (lib/db.ts getWebhookPool), besides SLIPWAY_DB_POOL */
    SLIPWAY_WEBHOOK_DB_POOL: z.coerce.number().int().min(1).max(100).default(8),
    /** the log streams' own connections (lib/db.ts getLogPool), besides SLIPWAY_DB_POOL */
    SLIPWAY_LOG_DB_POOL: z.coerce.number().int().min(1).max(100).default(4),
    SLIPWAY_WEBHOOK_MAX_BYTES: z.coerce.number().int().min(100).max(1024 * 1024 * 1024).default(25 * 1024 * 1024),
    /** a build's or deployment's log is cut at this many MiB; the log and its page say so */
    SLIPWAY_LOG_MAX_MB: z.coerce.number().int().min(1).max(1024).default(64),
    /** webhook deliveries older than this are deleted by the hourly maintenance (they de-duplicate redeliveries and order events) */
    SLIPWAY_WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
    /** how long a deployment that failed on a transient error (host, sshd, dockerd or registry briefly down) is retried, in seconds; 0: never */
    SLIPWAY_DEPLOY_RETRY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
    /** local mode (like ocurrent-deployer-local): only deployment branches are built, every repository is polled anonymously, nothing is reported to GitHub */
    SLIPWAY_LOCAL: bool,
    /** in local mode, build only this repository (its name) */
    SLIPWAY_LOCAL_REPOSITORY: z.string().trim().min(1).max(200).optional(),
    /** where a build machine keeps its git mirrors (lib/git/mirror.ts); unset: git-mirrors/ in SLIPWAY_DATA_DIR */
    SLIPWAY_GIT_CACHE_DIR: z.string().trim().min(1).optional(),
    /** the size the git mirrors are kept under, in MB (least recently used ones are removed); 0: no mirrors, every build fetches afresh */
    SLIPWAY_GIT_CACHE_MB: z.coerce.number().int().min(0).max(10_000_000).default(2048),
    /** /api/v1: requests per second each API token may make on average, and how many at once (a token bucket) */
    SLIPWAY_API_RATE_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(20),
    SLIPWAY_API_RATE_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
    SLIPWAY_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    SLIPWAY_LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.GITHUB_CLIENT_ID) !== Boolean(env.GITHUB_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: [env.GITHUB_CLIENT_ID ? "GITHUB_CLIENT_SECRET" : "GITHUB_CLIENT_ID"],
        message: "GitHub login needs both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (from your GitHub OAuth App)",
      });
    }
    if (env.NODE_ENV === "production" && !env.SLIPWAY_SECRET_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["SLIPWAY_SECRET_KEY"],
        message: "is required in production: it encrypts secrets at rest (generate one: openssl rand -hex 32)",
      });
    }
    if (env.NODE_ENV === "production" && env.SLIPWAY_DEV_LOGIN) {
      ctx.addIssue({
        code: "custom",
        path: ["SLIPWAY_DEV_LOGIN"],
        message: "the development login cannot be enabled with NODE_ENV=production; unset it and use GitHub login",
      });
    }
    // run these checks even when a variable above is malformed, so every problem is named at once
  }, { when: () => true })
  .transform((env) => ({ ...env, SLIPWAY_URL: env.SLIPWAY_URL ?? baseUrlFor(env.HOST, env.PORT) }));

/**
 * The console's URL when SLIPWAY_URL is not set: where it listens, so links, redirects, the OAuth callback
 * and webhook URLs follow PORT (and HOST; an all-interfaces HOST is reached at 127.0.0.1).
 */
export function baseUrlFor(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" || host === "[::]" ? "127.0.0.1" : host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment; throws EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings count as unset, as a shell `FOO= cmd` means "no value".
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== "") cleaned[k] = v;
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;

/** The process environment, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forget the parsed environment (tests change process.env between cases). */
export function resetEnvCache(): void {
  cached = undefined;
}

/** The dev login is offered only when asked for and never in production. */
export function devLoginEnabled(e: Env = env()): boolean {
  return e.SLIPWAY_DEV_LOGIN && e.NODE_ENV !== "production" && process.env.NODE_ENV !== "production";
}

export function githubLoginEnabled(e: Env = env()): boolean {
  return Boolean(e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET);
}
