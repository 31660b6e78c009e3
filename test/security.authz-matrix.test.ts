// authz-matrix: every server action and API route, called over HTTP on the real production server (`npm run
// web` on the checkout's build) as anonymous, viewer, operator and admin, with real sessions. The roles come
// from one table (test/authz/table.ts); exactly the cells it allows must succeed (their effect is checked),
// and every other cell must be refused and write nothing: the row count and a checksum of every table
// (audit_events and graphile_worker's jobs included) are the same before and after. The actions and routes
// are found in app/ itself: one without a row, or a row naming one that is gone, fails the test by name.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { atLeast } from "@/lib/auth/roles";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { npmRun, userEnv, type NpmRun } from "@/test/helpers/npm";
import { waitForExit } from "@/test/helpers/spawn";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { createUnikernelHost, buildTestKernel, type UnikernelHost } from "@/test/helpers/unikernel";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { pushUnikernelImage } from "@/test/helpers/unikernel-images";
import { eventually } from "@/test/helpers/eventually";
import { table, type Call, type Outcome, type Row } from "@/test/authz/table";
import { seedWorld, WHO, type Who, type World } from "@/test/authz/world";

const ROOT = path.resolve(import.meta.dirname, "..");
const APP = path.join(ROOT, "app");
/** the port of this part's server (each helper of the project has its own) */
const PORT = Number(process.env.SLIPWAY_AUTHZ_PORT ?? 3410);
const BASE = `http://127.0.0.1:${PORT}`;
const CREDENTIALS = { username: "matrix", password: "matrix-registry-pass-1" };

// ─── discovery: what app/ exports ────────────────────────────────────────────────────────────────

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** "file#export" for every export of every file whose first statement is "use server". */
function discoverActions(): string[] {
  const out: string[] = [];
  for (const file of walk(APP).filter((f) => /\.(ts|tsx)$/.test(f))) {
    const text = readFileSync(file, "utf8");
    // the directive: the file's first statement, after comments
    const body = text.replace(/^(\s*(\/\/[^\n]*\n|\/\*[\s\S]*?\*\/))*\s*/, "");
    if (!/^["']use server["']/.test(body)) continue;
    const rel = path.relative(ROOT, file);
    for (const m of text.matchAll(/^export\s+(?:async\s+)?(?:const|let|function)\s+([A-Za-z_$][\w$]*)/gm)) out.push(`${rel}#${m[1]}`);
    for (const m of text.matchAll(/^export\s*\{([^}]*)\}/gm)) for (const part of m[1]!.split(",")) if (part.trim()) out.push(`${rel}#${part.trim().split(/\s+as\s+/).pop()!}`);
  }
  return out.sort();
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** "METHOD /api/path" for every method every route.ts under app/ exports. */
function discoverRoutes(): string[] {
  const out: string[] = [];
  for (const file of walk(APP).filter((f) => /[/\\]route\.(ts|tsx)$/.test(f))) {
    const text = readFileSync(file, "utf8");
    const url = "/" + path.relative(APP, path.dirname(file)).split(path.sep).filter((s) => !/^\(.*\)$/.test(s)).join("/");
    const names = [
      ...[...text.matchAll(/^export\s+(?:async\s+)?(?:const|let|function)\s+([A-Z]+)\b/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/^export\s*\{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(",").map((p) => p.trim().split(/\s+as\s+/).pop()!)),
    ];
    for (const n of names) if (METHODS.includes(n)) out.push(`${n} ${url}`);
  }
  return out.sort();
}

// ─── calling the server ──────────────────────────────────────────────────────────────────────────

interface FlightClient {
  encodeReply(value: unknown): Promise<string | FormData>;
}
// React's own client for server actions, as Next.js bundles it: the browser encodes a call with it
const flight = createRequire(import.meta.url)("next/dist/compiled/react-server-dom-webpack/client.edge") as FlightClient;

/**
 * The action's return value out of the RSC answer: row 0 is {a: "$@<row>", f: the page's new tree, …} and the
 * row it names holds the value as JSON. (React's decoder would also need every client component of the page.)
 */
function actionResult(text: string): unknown {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+):(.*)$/.exec(line);
    if (m && !rows.has(m[1]!)) rows.set(m[1]!, m[2]!);
  }
  const root = rows.get("0");
  if (!root) throw new Error(`no root row in the action's answer: ${text.slice(0, 300)}`);
  const a = (JSON.parse(root) as { a?: unknown }).a;
  const ref = typeof a === "string" ? /^\$@([0-9a-f]+)$/.exec(a) : null;
  if (!ref) return a;
  const row = rows.get(ref[1]!);
  if (row === undefined) throw new Error(`the action's answer has no row ${ref[1]}: ${text.slice(0, 300)}`);
  return JSON.parse(row);
}

interface ManifestEntry {
  workers: Record<string, unknown>;
  filename?: string;
  exportedName?: string;
}

/** "file#export" → the action's id and a page whose bundle holds it (from the production build's manifest). */
function actionIds(): Map<string, { id: string; page: string }> {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, ".next/server/server-reference-manifest.json"), "utf8")) as { node: Record<string, ManifestEntry> };
  const ids = new Map<string, { id: string; page: string }>();
  for (const [id, e] of Object.entries(manifest.node)) {
    if (!e.filename || !e.exportedName) continue;
    // the first page that bundles it, without route groups; a dynamic segment gets any value (the action runs first)
    const worker = Object.keys(e.workers).sort((x, y) => x.length - y.length)[0]!;
    const page = "/" + worker.replace(/^app\//, "").replace(/\/page$/, "").split("/").filter((s) => !/^\(.*\)$/.test(s)).map((s) => (/^\[.*\]$/.test(s) ? "matrix" : s)).join("/");
    ids.set(`${e.filename}#${e.exportedName}`, { id, page: page === "/page" ? "/" : page });
  }
  return ids;
}

function cookieFor(w: World, who: Who): Record<string, string> {
  return who === "anonymous" ? {} : { cookie: `next-auth.session-token=${w.cookies[who]}` };
}

async function callAction(w: World, who: Who, target: { id: string; page: string }, form: Record<string, string | string[]>): Promise<Outcome> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) fd.append(k, x);
  // as useActionState calls it: (previous state, the form's data)
  const body = await flight.encodeReply([null, fd]);
  const res = await fetch(`${BASE}${target.page}`, {
    method: "POST",
    headers: { "next-action": target.id, accept: "text/x-component", origin: BASE, ...cookieFor(w, who), ...(typeof body === "string" ? { "content-type": "text/plain;charset=UTF-8" } : {}) },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(60_000),
  });
  const redirect = res.headers.get("x-action-redirect") ?? undefined;
  const text = await res.text();
  if (redirect) return { status: res.status, headers: res.headers, text, bytes: text.length, redirect };
  const state = actionResult(text) as { ok?: boolean; error?: string; result?: unknown } | null | undefined;
  return { status: res.status, headers: res.headers, text, bytes: text.length, ok: state?.ok, error: state?.ok === false ? state.error : undefined, result: state?.result };
}

async function callRoute(w: World, who: Who, call: Extract<Call, { kind: "route" }>): Promise<Outcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  try {
    const res = await fetch(`${BASE}${call.path}`, { method: call.method, headers: { ...call.headers, ...cookieFor(w, who) }, body: call.body, redirect: "manual", signal: controller.signal });
    // a live log is a stream that stays open while its subject runs: its headers are the answer
    const body = (res.headers.get("content-type") ?? "").includes("text/event-stream") ? new Uint8Array() : new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, text: new TextDecoder().decode(body), bytes: body.length };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

// ─── "writes nothing" ────────────────────────────────────────────────────────────────────────────

let snapshotSql: string | undefined;

/** Row count and a checksum of every table of the application and of graphile_worker. */
async function snapshot(): Promise<Record<string, string>> {
  const db = getDb();
  if (!snapshotSql) {
    const tables = await db.$queryRaw<{ s: string; t: string }[]>`
      SELECT table_schema AS s, table_name AS t FROM information_schema.tables
      WHERE table_schema IN ('public', 'graphile_worker') AND table_type = 'BASE TABLE' ORDER BY 1, 2`;
    expect(tables.map((t) => t.t)).toEqual(expect.arrayContaining(["audit_events", "_private_jobs"]));
    snapshotSql = tables
      .map(({ s, t }) => `SELECT '${s}.${t}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '') AS sum FROM "${s}"."${t}" x`)
      .join(" UNION ALL ");
  }
  const rows = await db.$queryRawUnsafe<{ name: string; sum: string }[]>(snapshotSql);
  return Object.fromEntries(rows.map((r) => [r.name, r.sum]));
}

function changedTables(a: Record<string, string>, b: Record<string, string>): string[] {
  return Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]).sort();
}

// ─── the run ─────────────────────────────────────────────────────────────────────────────────────

let server: NpmRun | undefined;
let sshd: Sshd | undefined;
let ukhost: UnikernelHost | undefined;
let dockerd: TestDockerd | undefined;
let registry: TestRegistry | undefined;
let world: World;

beforeAll(async () => {
  // a checkout that has never been built (a fresh machine's `npm test`) builds once, here
  await ensureProductionBuild(ROOT, { say: (l) => console.log(l), everyMs: 30_000 });
  process.env.SLIPWAY_SECRET_KEY = randomBytes(32).toString("hex");
  resetEnvCache();
  // before the server starts, so that it finds the key instead of making a second one
  const deployer = await ensureDeployerKey();
  const figures: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      figures.push(`${what} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  };

  // another server on the port would answer the health check below in this one's place
  const taken = await fetch(`${BASE}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false);
  if (taken) throw new Error(`something already answers on ${BASE}; stop it, or set SLIPWAY_AUTHZ_PORT to a free port`);
  server = npmRun(ROOT, ["run", "web"], userEnv({
    PORT: String(PORT),
    HOST: "127.0.0.1",
    DATABASE_URL: process.env.DATABASE_URL!,
    SLIPWAY_URL: BASE,
    SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY,
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
  }));
  const ready = timed("server start", async () => {
    try {
      await eventually(`the console answering on ${BASE}`, async () => {
        if (server!.child.exitCode !== null) throw new Error(`npm run web exited (${server!.child.exitCode})`);
        const res = await fetch(`${BASE}/api/health`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
        return res?.ok ?? false;
      }, 180_000, 500);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; its output:\n${server!.output()}`);
    }
  });
  // while the server starts: the remote parts and the rows
  const seeded = (async () => {
    ukhost = await createUnikernelHost();
    [sshd, dockerd, registry] = await timed("sshd, dockerd, registry", () =>
      Promise.all([startSshd({ authorizedKeys: [deployer.publicKey], env: { PATH: ukhost!.path } }), startDockerd(), startRegistry({ htpasswd: CREDENTIALS })]),
    );
    const image = await timed("kernel image built and pushed", async () => {
      const kernel = await buildTestKernel({ version: "authz-matrix", variant: "service" });
      return pushUnikernelImage(dockerd!.docker, { repo: `${registry!.url}/matrix/www`, tag: "hvt-1", kernel, auth: { ...CREDENTIALS, serveraddress: registry!.url } });
    });
    // the image is in the registry: the daemon that built it is not needed any more
    await dockerd!.stop();
    dockerd = undefined;
    world = await timed("rows seeded", () => seedWorld({ base: BASE, sshd: sshd!, ukhost: ukhost!, registry: registry!, image, registryCredentials: CREDENTIALS }));
  })();
  // both to their end before anything throws: afterAll must find every process either one started
  const settled = await Promise.allSettled([ready, seeded]);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  console.log(`setup: ${figures.join(", ")}`);
}, 600_000);

afterAll(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.interrupt();
    await waitForExit(server.child, 30_000).catch(() => server?.kill());
  }
  await Promise.all([sshd?.stop(), dockerd?.stop(), registry?.stop()]);
  await ukhost?.cleanup();
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
}, 120_000);

describe("authz-matrix", () => {
  test("every server action and API route in app/ has exactly one row in the table, and every row names one that exists", () => {
    const found = [...discoverActions(), ...discoverRoutes()];
    const rows = table.map((r) => r.id);
    const missing = found.filter((f) => !rows.includes(f));
    const gone = rows.filter((r) => !found.includes(r));
    const twice = rows.filter((r, i) => rows.indexOf(r) !== i);
    expect({ missing, gone, twice }, "add a row to test/authz/table.ts for every new action or route; remove rows of removed ones").toEqual({ missing: [], gone: [], twice: [] });
    expect(discoverActions().length).toBeGreaterThanOrEqual(40);
    expect(discoverRoutes().length).toBeGreaterThanOrEqual(16);
  });

  test("each action and route as anonymous, viewer, operator and admin: the allowed cells succeed, the others are refused and write nothing", { timeout: 900_000 }, async () => {
    const ids = actionIds();
    const failures: string[] = [];
    const matrix: { row: Row; marks: string[] }[] = [];
    const started = Date.now();
    let cells = 0;
    let callMs = 0;
    let snapshotMs = 0;
    for (const row of table) {
      const marks: string[] = [];
      for (const who of WHO) {
        cells++;
        const allowed = row.need === "public" || (who !== "anonymous" && atLeast(who, row.need));
        const where = `${row.id} as ${who}`;
        try {
          const cell = await row.cell(world, who);
          let t = Date.now();
          const before = await snapshot();
          snapshotMs += Date.now() - t;
          t = Date.now();
          let out: Outcome;
          if (cell.call.kind === "action") {
            const target = ids.get(row.id);
            if (!target) throw new Error(`${row.id} is not in the build's server-reference-manifest.json (no page uses it?); rebuild with npm run build`);
            out = await callAction(world, who, target, cell.call.form);
          } else {
            out = await callRoute(world, who, cell.call);
          }
          callMs += Date.now() - t;
          t = Date.now();
          const after = await snapshot();
          snapshotMs += Date.now() - t;
          const changed = changedTables(before, after);
          if (allowed) {
            await cell.check(out);
            if (row.writes) expect(changed, "an allowed command wrote nothing").not.toEqual([]);
            else expect(changed, "a call that only reads changed tables").toEqual([]);
            marks.push("✓");
          } else {
            if (cell.call.kind === "action") {
              expect(out.ok, `refused action answered ${out.text.slice(0, 300)}`).toBe(false);
              expect(out.error).toMatch(who === "anonymous" ? /signed out/ : /This needs the (Operator|Admin) role/);
            } else {
              expect(out.status, out.text.slice(0, 300)).toBe(who === "anonymous" ? 401 : 403);
            }
            expect(changed, "a refused call changed tables").toEqual([]);
            marks.push("✗");
          }
        } catch (err) {
          marks.push("!");
          failures.push(`${where} (${allowed ? "allowed" : "refused"}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      matrix.push({ row, marks });
    }
    const width = Math.max(...table.map((r) => r.id.length));
    const lines = [
      `${"action / route".padEnd(width)}  need      anon viewer operator admin`,
      ...matrix.map(({ row, marks }) => `${row.id.padEnd(width)}  ${row.need.padEnd(8)}  ${marks.map((m, i) => m.padEnd([5, 7, 9, 5][i]!)).join("")}`.trimEnd()),
      `${matrix.length} actions and routes × ${WHO.length} roles = ${cells} cells; ${matrix.flatMap((m) => m.marks).filter((m) => m === "✓").length} allowed, ${matrix.flatMap((m) => m.marks).filter((m) => m === "✗").length} refused, ${failures.length} failed; ${((Date.now() - started) / 1000).toFixed(1)} s (calls ${(callMs / 1000).toFixed(1)} s, snapshots ${(snapshotMs / 1000).toFixed(1)} s)`,
    ];
    console.log(lines.join("\n"));
    expect(failures).toEqual([]);
  });
});
