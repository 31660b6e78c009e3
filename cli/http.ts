// The one way `slipway` talks to the server: every call under /api/v1 with the bearer token, a time limit
// (30 s unless a command follows a stream under its own overall limit), Ctrl-C through one AbortSignal, a
// short wait and retry when the server says 429 with Retry-After, and every refusal turned into a CliError
// whose exit status says what kind it is and whose message is the API's own.
import { z } from "zod";
import { CliError, EXIT, type ExitCode } from "@/cli/exit-codes";
import type { Connection } from "@/cli/config";

export const REQUEST_TIMEOUT_MS = 30_000;
/** a 429 is retried this many times when its Retry-After is short */
const RATE_LIMIT_RETRIES = 3;
const RATE_LIMIT_MAX_WAIT_S = 30;

/** Thrown (as the abort reason) when Ctrl-C stops the command. */
export class Interrupted extends CliError {
  constructor() {
    super("interrupted", EXIT.interrupted);
    this.name = "Interrupted";
  }
}

const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).optional(), message: z.string() })).optional(),
  }),
});

const EXIT_BY_STATUS: Record<number, ExitCode> = {
  401: EXIT.unauthenticated,
  403: EXIT.forbidden,
  404: EXIT.notFound,
  400: EXIT.refused,
  405: EXIT.refused,
  409: EXIT.refused,
  413: EXIT.refused,
  422: EXIT.refused,
  429: EXIT.refused,
  502: EXIT.unreachable,
  503: EXIT.unreachable,
  504: EXIT.unreachable,
};

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** a JSON body */
  json?: unknown;
  /** a text body with its content type */
  text?: { body: string; contentType: string };
  accept?: string;
  /** the time limit for this call; null: none (a followed stream, bounded by the caller's own signal) */
  timeoutMs?: number | null;
  /** an extra signal (a command's overall deadline) */
  signal?: AbortSignal;
}

/** Says why a call never got an answer, in words, from fetch's error. */
function unreachable(err: unknown, url: string, timeoutMs: number | null): CliError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return new CliError(`${url} did not answer within ${(timeoutMs ?? 0) / 1000} s: is the server overloaded, or the URL wrong?`, EXIT.unreachable);
  const code = e?.cause?.code;
  const why =
    code === "ECONNREFUSED" ? "connection refused (nothing listens there: is Slipway running, and is the port right?)"
    : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "the host name does not resolve (check the URL)"
    : code === "ECONNRESET" ? "the connection was reset"
    : code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT" ? "the connection timed out (a firewall, or the wrong address?)"
    : code?.startsWith("ERR_TLS") || code?.includes("CERT") ? `TLS failed (${e.cause?.message ?? code})`
    : (e?.cause?.message ?? e?.message ?? String(err));
  return new CliError(`cannot reach ${url}: ${why}. Check --url / SLIPWAY_URL / \`slipway login\`.`, EXIT.unreachable);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
export { sleep };

export class ApiClient {
  readonly base: string;
  constructor(
    readonly connection: Connection,
    /** aborted on Ctrl-C */
    readonly interrupt: AbortSignal,
  ) {
    this.base = `${connection.url}/api/v1`;
  }

  /** The answer, 2xx only; anything else becomes a CliError. The caller reads the body. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const timeoutMs = opts.timeoutMs === undefined ? REQUEST_TIMEOUT_MS : opts.timeoutMs;
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.token}`, accept: opts.accept ?? "application/json" };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json; charset=utf-8";
      body = JSON.stringify(opts.json);
    } else if (opts.text) {
      headers["content-type"] = opts.text.contentType;
      body = opts.text.body;
    }
    for (let attempt = 0; ; attempt++) {
      const signals = [this.interrupt, ...(opts.signal ? [opts.signal] : []), ...(timeoutMs === null ? [] : [AbortSignal.timeout(timeoutMs)])];
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body, signal: AbortSignal.any(signals), redirect: "manual" });
      } catch (err) {
        if (this.interrupt.aborted) throw this.interrupt.reason;
        if (opts.signal?.aborted) throw opts.signal.reason;
        throw unreachable(err, this.connection.url, timeoutMs);
      }
      if (res.ok) return res;
      if (res.status === 429 && attempt < RATE_LIMIT_RETRIES) {
        const wait = Number(res.headers.get("retry-after"));
        if (Number.isFinite(wait) && wait >= 0 && wait <= RATE_LIMIT_MAX_WAIT_S) {
          await res.body?.cancel();
          await sleep(Math.max(wait, 0.2) * 1000, opts.signal ? AbortSignal.any([this.interrupt, opts.signal]) : this.interrupt);
          continue;
        }
      }
      throw await this.refusal(method, url, res);
    }
  }

  private async refusal(method: string, url: URL, res: Response): Promise<CliError> {
    const text = await res.text().catch(() => "");
    let parsed: z.infer<typeof apiErrorSchema> | undefined;
    try {
      const r = apiErrorSchema.safeParse(JSON.parse(text));
      if (r.success) parsed = r.data;
    } catch {
      // not JSON: not the API's answer
    }
    const what = `${method} ${url.pathname}`;
    if (res.status >= 300 && res.status < 400) {
      return new CliError(`${what} was redirected to ${res.headers.get("location") ?? "elsewhere"}: give the console's final address (https?) as the URL`, EXIT.unreachable);
    }
    if (!parsed) {
      // a proxy's page, another web server, or a Slipway without this API
      return new CliError(
        `${this.connection.url} answered ${what} with ${res.status} ${res.statusText} but not with the API's JSON: is it Slipway's address (without /api/v1), and is the server recent enough to have /api/v1?`,
        res.status === 401 ? EXIT.unauthenticated : res.status === 500 ? EXIT.failed : EXIT.unreachable,
      );
    }
    const details = (parsed.error.issues ?? []).map((i) => {
      const p = Array.isArray(i.path) ? i.path.join(".") : i.path;
      return p ? `${p}: ${i.message}` : i.message;
    });
    if (res.status === 401) details.push("sign in again with `slipway login URL` and a valid token (create one in the console under Settings → API tokens)");
    if (res.status === 429) details.push(`rate limited: try again in ${res.headers.get("retry-after") ?? "a few"} seconds`);
    return new CliError(parsed.error.message, EXIT_BY_STATUS[res.status] ?? EXIT.failed, details);
  }

  /** A JSON answer checked against `schema` (the fields this command line reads; more are allowed). */
  async json<S extends z.ZodType>(method: string, path: string, schema: S, opts: RequestOptions = {}): Promise<z.infer<S>> {
    const res = await this.request(method, path, opts);
    let data: unknown;
    try {
      data = await res.json();
    } catch (err) {
      if (this.interrupt.aborted) throw this.interrupt.reason;
      throw new CliError(`the answer to ${method} ${path} is not JSON (${(err as Error).message}): is ${this.connection.url} Slipway's address?`, EXIT.unreachable);
    }
    const r = schema.safeParse(data);
    if (!r.success) {
      const first = r.error.issues[0];
      throw new CliError(
        `the answer to ${method} ${path} is not what this slipway expects (${first ? `${first.path.join(".") || "the document"}: ${first.message}` : "unknown shape"}): is the command line older or newer than the server?`,
        EXIT.failed,
      );
    }
    return r.data;
  }

  async text(method: string, path: string, opts: RequestOptions = {}): Promise<string> {
    const res = await this.request(method, path, opts);
    try {
      return await res.text();
    } catch (err) {
      if (this.interrupt.aborted) throw this.interrupt.reason;
      throw unreachable(err, this.connection.url, opts.timeoutMs ?? REQUEST_TIMEOUT_MS);
    }
  }

  /** Every item of a list, following nextCursor until `max` items or the end. */
  async list<S extends z.ZodType>(path: string, item: S, query: Query, max: number): Promise<{ items: z.infer<S>[]; nextCursor: string | null }> {
    const items: z.infer<S>[] = [];
    let cursor: string | undefined;
    const page = pageSchema(item);
    for (;;) {
      const limit = Math.min(200, max - items.length);
      const p = await this.json("GET", path, page, { query: { ...query, limit, cursor } });
      items.push(...(p.items as z.infer<S>[]));
      if (!p.nextCursor || items.length >= max) return { items: items.slice(0, max), nextCursor: p.nextCursor ?? null };
      cursor = p.nextCursor;
    }
  }
}

export function pageSchema<S extends z.ZodType>(item: S) {
  return z.looseObject({ items: z.array(item), nextCursor: z.string().nullable().optional() });
}
