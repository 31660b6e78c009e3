// The edges a bad-input case goes through, each turned into one Outcome (status and the words the caller
// would see): a service command called with an actor as the console's server actions call it, an API route
// handler called with a real Request, the webhook route with a real signature, the slipway.yml import route,
// and a job payload through the worker's task list (the same zod schema the worker parses with).
import { createHmac } from "node:crypto";
import { NextRequest } from "next/server";
import type { Actor } from "@/lib/auth/actor";
import { CommandError } from "@/lib/errors";
import { log } from "@/lib/log";
import { parseInput } from "@/lib/validation/parse";
import { jobPayloads, type JobName } from "@/lib/jobs/definitions";
import type { Task } from "graphile-worker";
import { buildTaskList } from "@/workers/tasks";
import { POST as webhookPost } from "@/app/api/webhooks/github/[app]/route";
import { POST as importPost } from "@/app/api/inventory/import/route";

export interface Outcome {
  status: number;
  /** what the caller is told: the error's message, the JSON answer's `error`, or where a redirect goes */
  message: string;
}

export const BASE = "http://127.0.0.1:3420";

/** Whatever a command threw, as the API would answer it; a result means the bad input got through (200). */
export async function command(fn: (actor: Actor, raw: unknown) => Promise<unknown>, actor: Actor, raw: unknown): Promise<Outcome> {
  try {
    const r = await fn(actor, raw);
    return { status: 200, message: `accepted: ${JSON.stringify(r)}` };
  } catch (err) {
    if (err instanceof CommandError) return { status: err.status, message: err.message };
    return { status: 500, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

async function outcomeOf(res: Response): Promise<Outcome> {
  const location = res.headers.get("location");
  if (location) return { status: res.status, message: location };
  const text = await res.text();
  try {
    const json = JSON.parse(text) as { error?: unknown };
    return { status: res.status, message: typeof json.error === "string" ? json.error : text };
  } catch {
    return { status: res.status, message: text };
  }
}

/** A body sent in chunks with no Content-Length, as `Transfer-Encoding: chunked` arrives. */
export function chunked(total: number, chunk = 64 * 1024, byte = "a"): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      c.enqueue(new Uint8Array(Buffer.alloc(n, byte)));
    },
  });
}

export interface RequestOpts {
  method?: string;
  cookie?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  /** the browser's Sec-Fetch-Site; "same-origin" unless given */
  site?: string | null;
}

export function request(path: string, opts: RequestOpts = {}): NextRequest {
  const headers = new Headers(opts.headers);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  if (opts.site !== null) headers.set("sec-fetch-site", opts.site ?? "same-origin");
  const body = opts.body;
  if (typeof body === "string" || body instanceof Uint8Array) headers.set("content-length", String(Buffer.byteLength(body)));
  return new NextRequest(new URL(path, BASE), {
    method: opts.method ?? "POST",
    headers,
    body: body as BodyInit | undefined,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as ConstructorParameters<typeof NextRequest>[1]);
}

type RouteHandler<P> = (req: NextRequest, ctx: { params: Promise<P> }) => Promise<Response>;

export async function route<P>(handler: RouteHandler<P>, req: NextRequest, params: P): Promise<Outcome> {
  try {
    return await outcomeOf(await handler(req, { params: Promise.resolve(params) }));
  } catch (err) {
    return { status: 500, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

export function signature(secret: string, body: Uint8Array | string): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

/** POST /api/webhooks/github/<app> with the headers GitHub sends; `signature` null sends none. */
export function webhook(app: string, body: string | Uint8Array | ReadableStream<Uint8Array>, h: { event?: string | null; id?: string | null; signature?: string | null; type?: string; headers?: Record<string, string> }): Promise<Outcome> {
  const headers: Record<string, string> = { "content-type": h.type ?? "application/json", "user-agent": "GitHub-Hookshot/044aadd", ...h.headers };
  if (h.event !== null) headers["x-github-event"] = h.event ?? "push";
  if (h.id !== null) headers["x-github-delivery"] = h.id ?? crypto.randomUUID();
  if (h.signature) headers["x-hub-signature-256"] = h.signature;
  return route(webhookPost as RouteHandler<{ app: string }>, request(`/api/webhooks/github/${encodeURIComponent(app)}`, { body, headers, site: null }), { app });
}

/** POST /api/inventory/import with the admin's session: applied, unless `dryRun`. */
export function importYaml(cookie: string, text: string | ReadableStream<Uint8Array>, type = "text/yaml", dryRun = false): Promise<Outcome> {
  const path = `/api/inventory/import${dryRun ? "?dry_run=1" : ""}`;
  return route(importPost as unknown as RouteHandler<Record<string, never>>, request(path, { cookie, body: text, headers: { "content-type": type } }), {});
}

const tasks = buildTaskList("bad-input", log);

/**
 * Runs the job as the worker would (its task parses the payload and drops an invalid one), then answers
 * what that parse says, as the ValidationError the enqueuer's parse throws.
 */
export async function job(name: JobName, payload: unknown): Promise<Outcome> {
  const helpers = { job: { id: "0", attempts: 1 } } as unknown as Parameters<Task>[1]; // the task reads only job.id and attempts before it parses
  try {
    await (tasks[name] as Task)(payload as never, helpers);
  } catch (err) {
    return { status: 500, message: `the task threw on an invalid payload: ${err instanceof Error ? err.message : String(err)}` };
  }
  return command(async () => parseInput(jobPayloads[name], payload), { type: "worker", workerId: "bad-input" }, payload);
}
