// Regression test for `unbounded-body` (issue 13, item 18): a viewer could make the server buffer an
// unbounded chunked body (no Content-Length) on the inventory import and the role API, because the limit
// read only Content-Length and the role was checked after the body was read. Every route that reads a body
// now checks the session and the role first and reads through one streaming limit (lib/http/body.ts).
// The routes run behind a real HTTP server; the client streams a chunked body and the test counts the
// bytes each route handler actually took from the request stream.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { MAX_CONFIG_BYTES } from "@/lib/config/yaml";
import { BODY_LIMITS } from "@/lib/http/body";
import { sessionCookieName } from "@/lib/auth/cookies";
import { saveApp } from "@/lib/services/inventory/entities";
import { webhookMaxBytes } from "@/lib/services/webhooks";
import { POST as importPost } from "@/app/api/inventory/import/route";
import { PUT as rolePut } from "@/app/api/users/[id]/role/route";
import { POST as devLoginPost } from "@/app/api/auth/dev-login/route";
import { POST as webhookPost } from "@/app/api/webhooks/github/[app]/route";
import { POST as nextAuthPost } from "@/app/api/auth/[...nextauth]/route";
import { actorFor, createSession, createUser } from "@/test/helpers/fixtures";

type Route = (req: NextRequest, ctx: { params: Promise<Record<string, unknown>> }) => Promise<Response>;
const routes: { match: RegExp; handler: Route; params: (m: RegExpMatchArray) => Record<string, unknown> }[] = [
  { match: /^\/api\/inventory\/import$/, handler: importPost as unknown as Route, params: () => ({}) },
  { match: /^\/api\/users\/([^/]+)\/role$/, handler: rolePut as unknown as Route, params: (m) => ({ id: m[1] }) },
  { match: /^\/api\/auth\/dev-login$/, handler: devLoginPost as unknown as Route, params: () => ({}) },
  { match: /^\/api\/webhooks\/github\/([^/]+)$/, handler: webhookPost as unknown as Route, params: (m) => ({ app: m[1] }) },
  { match: /^\/api\/auth\/(.+)$/, handler: nextAuthPost as unknown as Route, params: (m) => ({ nextauth: m[1]!.split("/") }) },
];

let server: http.Server;
let base: string;
/** bytes of the last request's body that reached its route handler */
let taken = 0;

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    taken = 0;
    const url = new URL(req.url!, base);
    const route = routes.map((r) => ({ r, m: url.pathname.match(r.match) })).find((x) => x.m);
    if (!route) return void res.writeHead(404).end();
    let over = false;
    const counted = new ReadableStream<Uint8Array>({
      start(c) {
        req.pause();
        req.on("data", (d: Buffer) => {
          if (over) return;
          taken += d.byteLength;
          c.enqueue(new Uint8Array(d));
          req.pause(); // one chunk at a time: the handler pulls the next
        });
        req.on("end", () => { if (!over) { over = true; c.close(); } });
        req.on("error", (e) => { if (!over) { over = true; c.error(e); } });
      },
      pull() { req.resume(); },
      cancel() { over = true; req.pause(); },
    }, { highWaterMark: 0 });
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    try {
      const out = await route.r.handler(new NextRequest(url, { method: req.method, headers, body: counted, duplex: "half" } as ConstructorParameters<typeof NextRequest>[1]), {
        params: Promise.resolve(route.r.params(route.m!)),
      });
      res.writeHead(out.status, Object.fromEntries(out.headers));
      res.end(Buffer.from(await out.arrayBuffer()));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.SLIPWAY_URL = base;
  process.env.SLIPWAY_DEV_LOGIN = "1";
  resetEnvCache();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  delete process.env.SLIPWAY_DEV_LOGIN;
  resetEnvCache();
});

/**
 * POSTs `total` bytes as a chunked body (no Content-Length) unless `contentLength` is given, and stops
 * sending as soon as the answer arrives. Returns the status and how many bytes the client got to send.
 */
function send(path: string, opts: { method?: string; cookie?: string; type?: string; total: number; contentLength?: number }): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { "content-type": opts.type ?? "text/yaml", "sec-fetch-site": "same-origin", origin: base, "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-event": "push" };
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.contentLength !== undefined) headers["content-length"] = String(opts.contentLength);
    const req = http.request(`${base}${path}`, { method: opts.method ?? "POST", headers });
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => {
        resolve({ status: res.statusCode!, sent, body: Buffer.concat(parts).toString("utf8") });
        req.destroy();
      });
    });
    req.on("error", (err) => { if (!answered) reject(err); });
    const write = () => {
      while (!answered && sent < opts.total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, opts.total - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once("drain", write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

const HUGE = 48 * 1024 * 1024;
/** what a route may take beyond its limit: one chunk in flight and the stream's small queue */
const SLACK = 1024 * 1024;
let viewer: string;
let admin: string;
let targetUserId: string;

beforeAll(async () => {
  const cookie = async (role: "viewer" | "admin") => `${sessionCookieName()}=${await createSession((await createUser(role)).id, new Date(Date.now() + 3_600_000))}`;
  viewer = await cookie("viewer");
  admin = await cookie("admin");
  targetUserId = (await createUser("viewer")).id;
  await saveApp(actorFor(await createUser("admin")), { name: "tarides", webhook_secret: "whsec-unbounded-0123456789" });
});

describe("unbounded-body: the role is checked before any of the body is read", () => {
  test("a viewer's chunked slipway.yml upload is refused with 403 and none of it is read", async () => {
    const r = await send("/api/inventory/import?dry_run=1", { cookie: viewer, total: HUGE });
    expect(r.status).toBe(403);
    expect(taken).toBe(0);
    expect(r.sent).toBeLessThan(HUGE);
  });

  test("a viewer's chunked role change is refused with 403 and none of it is read", async () => {
    const r = await send(`/api/users/${targetUserId}/role`, { method: "PUT", cookie: viewer, type: "application/json", total: HUGE });
    expect(r.status).toBe(403);
    expect(taken).toBe(0);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: targetUserId } })).role).toBe("viewer");
  });

  test("without a session: 401 and none of it is read", async () => {
    const r = await send("/api/inventory/import", { total: HUGE });
    expect(r.status).toBe(401);
    expect(taken).toBe(0);
  });
});

describe("unbounded-body: one streaming limit counts the bytes, with or without Content-Length", () => {
  test.each([
    ["the inventory import (admin)", "/api/inventory/import?dry_run=1", "POST", MAX_CONFIG_BYTES],
    ["the role API (admin)", "ROLE", "PUT", BODY_LIMITS.json],
    ["the development login", "/api/auth/dev-login", "POST", BODY_LIMITS.form],
    ["next-auth's sign-out", "/api/auth/signout", "POST", BODY_LIMITS.form],
    ["the webhook receiver", "/api/webhooks/github/tarides", "POST", 0],
  ])("%s: a chunked body past the limit → 413, reading stopped near the limit", async (_name, path, method, limit) => {
    const max = limit || webhookMaxBytes();
    const target = path === "ROLE" ? `/api/users/${targetUserId}/role` : path;
    const type = target.includes("import") ? "text/yaml" : target.includes("role") || target.includes("webhooks") ? "application/json" : "application/x-www-form-urlencoded";
    const r = await send(target, { method: method === "PUT" ? "PUT" : "POST", cookie: admin, type, total: HUGE });
    expect(r.status).toBe(413);
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThanOrEqual(max + SLACK);
    expect(r.sent).toBeLessThan(HUGE);
  });

  test("a Content-Length past the limit is refused before any of the body is read", async () => {
    const r = await send("/api/inventory/import?dry_run=1", { cookie: admin, total: 64 * 1024, contentLength: MAX_CONFIG_BYTES + 1 });
    expect(r.status).toBe(413);
    expect(taken).toBe(0);
    expect(JSON.parse(r.body)).toMatchObject({ code: "too_large", error: "slipway.yml is larger than 2 MiB; send less" });
  });

  test("a body within the limit still goes through (admin's dry run of an empty inventory)", async () => {
    const yaml = Buffer.from("apps: []\n");
    const res = await fetch(`${base}/api/inventory/import?dry_run=1`, {
      method: "POST",
      headers: { "content-type": "text/yaml", cookie: admin, "sec-fetch-site": "same-origin" },
      body: Readable.toWeb(Readable.from([yaml])) as ReadableStream, // chunked
      duplex: "half",
    } as RequestInit & { duplex: "half" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ dryRun: true });
    expect(taken).toBe(yaml.length);
  });
});
