// Bad-input suite (issue 14, part 6): every case of test/bad-input/cases.ts — injection, path traversal, open
// redirect, SSRF, oversized and chunked bodies, YAML bombs, forged/replayed/truncated webhooks, hostile ref
// names, malformed known_hosts, invalid image references, IDOR across repositories, job payloads — goes
// through the edge the console, the API, GitHub or the job queue would use, against a real database. Each
// must be refused with its 4xx (or land on the console's own login page, for a sign-in redirect; a replayed
// delivery is answered as a duplicate) and words that name the field or the problem, and leave every table
// as it was: row count and a checksum of every row, per table, including audit_events, webhook_deliveries
// and graphile_worker's jobs.
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/cookies";
import { saveApp, saveBuildRule, saveChannel, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveSecret, saveTarget } from "@/lib/services/inventory/entities";
import { hostDetail, contextDetail } from "@/lib/queries/inventory-hosts";
import { getBuildDetail } from "@/lib/queries/build-detail";
import { getDeploymentDetail, getTargetDetail } from "@/lib/queries/deployment-detail";
import { getReleaseDetail } from "@/lib/queries/release-detail";
import { getRepositoryDetail } from "@/lib/queries/inventory-repos";
import { getAuditEvent } from "@/lib/queries/audit-event";
import { actorFor, createSession, createUser } from "@/test/helpers/fixtures";
import { createApiToken } from "@/lib/services/api-tokens";
import { BASE, importYaml, signature, webhook } from "@/test/bad-input/edges";
import { cases, KINDS, pushPayload, type Fixture, type Side } from "@/test/bad-input/cases";

const SECRET = "whsec-bad-input-0123456789";
let f: Fixture;
let tables: string[] = [];
const saved = { url: process.env.SLIPWAY_URL, dev: process.env.SLIPWAY_DEV_LOGIN };

/** "ssh-ed25519 AAAA…" of a fresh key: the wire format is the length-prefixed name, then the 32-byte key. */
function ed25519PublicKey(): string {
  const der = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
  const raw = der.subarray(der.length - 32);
  const withLength = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return `ssh-ed25519 ${Buffer.concat([withLength(Buffer.from("ssh-ed25519")), withLength(raw)]).toString("base64")}`;
}

async function side(admin: ReturnType<typeof actorFor>, n: string): Promise<Side> {
  const db = getDb();
  const repo = await saveRepository(admin, { repo: `repo-${n}`, url: `https://git.example.org/${n}.git` });
  const rule = await saveBuildRule(admin, { repository_id: repo.id, name: "Dockerfile" });
  const deploy = await saveDeploymentRule(admin, { build_rule_id: rule.id, branch: "live", image: `127.0.0.1:5000/${n}:live` });
  const t = await saveTarget(admin, { deployment_rule_id: deploy.id, name: `target-${n}`, context: "swarm1", service: `svc_${n}` });
  const sha = (n === "a" ? "a" : "b").repeat(40);
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha, message: "change" } });
  const b = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { buildId: b.id, deploymentRuleId: deploy.id, imageRepo: `127.0.0.1:5000/${n}`, tag: "live", digest: `sha256:${sha.padEnd(64, "0")}` } });
  const ref = await db.ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "live", headSha: sha } });
  return { repositoryId: repo.id, buildRuleId: rule.id, deploymentRuleId: deploy.id, targetId: t.id, releaseId: rel.id, buildId: b.id, refId: ref.id };
}

beforeAll(async () => {
  process.env.SLIPWAY_URL = BASE;
  process.env.SLIPWAY_DEV_LOGIN = "1";
  resetEnvCache();
  const adminUser = await createUser("admin");
  const admin = actorFor(adminUser);
  const operator = actorFor(await createUser("operator"));
  const adminCookie = `${sessionCookieName()}=${await createSession(adminUser.id, new Date(Date.now() + 3_600_000))}`;
  await saveApp(admin, { name: "tarides", webhook_secret: SECRET });
  await saveRepository(admin, { repo: "tarides-test/site", app: "tarides" });
  await saveContext(admin, { name: "swarm1", endpoint: "unix:///tmp/slipway-bad-input-no-docker.sock", role: "swarm_manager" });
  const host = await saveHost(admin, { name: "toxis", address: "127.0.0.1", port: 2222 });
  const registry = await saveRegistry(admin, { name: "local", url: "127.0.0.1:5000" });
  const context = await getDb().dockerContext.findFirstOrThrow({ where: { name: "swarm1" } });
  const A = await side(admin, "a");
  const B = await side(admin, "b");
  await saveSecret(admin, { name: "b-only", scope: "repository", repo: "repo-b", value: "secret-of-b" });
  // a delivery for a repository Slipway does not follow: recorded (ignored), nothing queued, so a replay of it is a duplicate
  const replayBody = JSON.stringify(pushPayload({ repo: "tarides-test/not-registered" }));
  const replay = { id: crypto.randomUUID(), body: replayBody, signature: signature(SECRET, replayBody) };
  // the operator's /api/v1 tokens; lastUsedAt set ahead so its once-a-minute write never lands in a case's snapshot
  const operatorUser = await getDb().user.findUniqueOrThrow({ where: { id: operator.userId } });
  const tokens = [];
  for (const repositoryIds of [[], [B.repositoryId]]) {
    const t = await createApiToken(actorFor({ id: operatorUser.id, login: operatorUser.login, role: operatorUser.role }), { name: `bad-input-${tokens.length}`, scope: "deploy", repositoryIds });
    await getDb().apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date(Date.now() + 86_400_000) } });
    tokens.push(t.token);
  }
  const commitA = await getDb().commit.create({ data: { repositoryId: A.repositoryId, sha: "e".repeat(40) } });
  const buildA = await getDb().build.create({ data: { buildRuleId: A.buildRuleId, commitId: commitA.id, state: "succeeded", trigger: "webhook" } });
  const releaseA = await getDb().release.create({ data: { buildId: buildA.id, deploymentRuleId: A.deploymentRuleId, imageRepo: "127.0.0.1:5000/a", tag: "live", digest: `sha256:${"e".repeat(64)}` } });
  const pendingA = await getDb().deployment.create({ data: { targetId: A.targetId, releaseId: releaseA.id, state: "pending_approval", approvalExpiresAt: new Date(Date.now() + 86_400_000) } });
  f = {
    apiToken: tokens[0]!, apiTokenB: tokens[1]!, pendingA: pendingA.id,
    admin, operator, adminCookie, app: "tarides", secret: SECRET, repo: "tarides-test/site",
    hostId: host.id, contextId: context.id, registryId: registry.id, userId: (await createUser("viewer")).id, A, B, replay, key: ed25519PublicKey(),
  };
  const first = await webhook(f.app, replay.body, { id: replay.id, signature: replay.signature });
  expect(first.status).toBe(202);
  tables = (
    await getDb().$queryRaw<{ name: string }[]>`
      SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND (table_schema = 'public' OR (table_schema = 'graphile_worker' AND table_name LIKE '\\_private\\_%'))
      ORDER BY 1`
  ).map((r) => r.name);
});

afterAll(() => {
  for (const [k, v] of [["SLIPWAY_URL", saved.url], ["SLIPWAY_DEV_LOGIN", saved.dev]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
});

/** Per table: how many rows, and an md5 over every row's text (order-independent). One query for all. */
async function snapshot(): Promise<Record<string, string>> {
  const sql = tables
    .map((t) => `SELECT '${t}' AS name, count(*)::text || ' rows ' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '-') AS state FROM ${t} x`)
    .join(" UNION ALL ");
  const rows = await getDb().$queryRawUnsafe<{ name: string; state: string }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.name, r.state]));
}

/** Words for a person: no stack trace, no internal error, no object dump. */
function expectWords(message: string) {
  expect(message.length).toBeGreaterThan(8);
  expect(message.length).toBeLessThan(2000);
  expect(message).not.toMatch(/\n\s+at |\.(?:ts|js):\d+|TypeError|ReferenceError|Prisma|Invalid `|\[object Object\]|Something went wrong/);
}

const tally = new Map<string, number>();

describe("bad input: refused with a 4xx in words, and no row written", () => {
  test("the table holds at least 80 cases, each kind at least 5", () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    for (const k of KINDS) expect(cases.filter((c) => c.kind === k).length, k).toBeGreaterThanOrEqual(5);
    expect(new Set(cases.map((c) => `${c.kind}: ${c.name}`)).size).toBe(cases.length);
  });

  test("the snapshot sees a write (a check that can fail)", async () => {
    const before = await snapshot();
    await getDb().$executeRaw`UPDATE hosts SET port = port + 1 WHERE id = ${f.hostId}`;
    const changed = await snapshot();
    await getDb().$executeRaw`UPDATE hosts SET port = port - 1 WHERE id = ${f.hostId}`;
    expect(changed).not.toEqual(before);
    expect(await snapshot()).toEqual(before);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["public.audit_events", "public.webhook_deliveries", "graphile_worker._private_jobs"]));
  });

  test.each(cases.map((c) => [`${c.kind}: ${c.name} (${c.edge})`, c] as const))("%s", async (_label, c) => {
    const before = await snapshot();
    const out = await c.run(f);
    const after = await snapshot();
    expect({ status: out.status, message: out.message }).toMatchObject({ status: c.status, message: expect.stringMatching(c.says) });
    if (c.status !== 303 && c.status !== 200) expect(out.status).toBeGreaterThanOrEqual(400);
    if (c.status === 303) expect(new URL(out.message).origin).toBe(BASE); // a sign-in never leaves the console
    if (process.env.BAD_INPUT_VERBOSE) console.log(`${c.kind} | ${c.name} | ${out.status} | ${out.message}`);
    expectWords(out.message);
    expect(after).toEqual(before);
    tally.set(c.kind, (tally.get(c.kind) ?? 0) + 1);
  }, 120_000);

  test("a page's id with a NUL byte is an unknown row (its 404), not a server error", async () => {
    const nul = "a\u0000b";
    const pages = { hostDetail, contextDetail, getBuildDetail, getDeploymentDetail, getTargetDetail, getReleaseDetail, getRepositoryDetail, getAuditEvent };
    for (const [name, read] of Object.entries(pages)) {
      expect(await (read as (id: string) => Promise<unknown>)(nul).catch((e: unknown) => `${name} threw: ${String(e).slice(0, 200)}`), name).toBeNull();
    }
    // and a real id still reads
    expect(await hostDetail(f.hostId)).not.toBeNull();
  });

  // the refusals added with this suite (link-local and metadata addresses, Slack over plain http, odd
  // characters in image references, too many YAML values) must not refuse what is fine; these write rows
  test("near misses are still accepted", async () => {
    const ok = async (p: Promise<unknown>) => expect(await p.then(() => "saved", (e: unknown) => (e instanceof Error ? e.message : String(e)))).toBe("saved");
    await ok(saveChannel(f.admin, { name: "loopback-relay", events: ["deployment.failed"], url: "http://127.0.0.1:9/services/T/B/x" }));
    await ok(saveChannel(f.admin, { name: "slack", events: ["deployment.failed"], url: "https://hooks.slack.com/services/T000/B000/XXXX" }));
    await ok(saveRegistry(f.admin, { name: "v6", url: "http://[::1]:5001" }));
    await ok(saveRegistry(f.admin, { name: "ten", url: "10.169.254.1:5000" }));
    await ok(saveRepository(f.admin, { repo: "near-169", url: "https://169.254.example.org/x.git" }));
    await ok(saveRepository(f.admin, { repo: "near-scp", url: "git@10.0.0.5:x.git" }));
    await ok(saveTarget(f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "near-health", context: "swarm1", service: "svc_near", health_url: "http://172.16.0.5:8080/healthz" }));
    await ok(saveDeploymentRule(f.admin, { build_rule_id: f.B.buildRuleId, branch: "staging", image: "[::1]:5000/app_x/web-1.2:v1.0_rc-2" }));
    const values = `apps:\n  - name: many\n    accounts: [${Array.from({ length: 5000 }, (_, i) => `"user-${i}"`).join(", ")}]\n`;
    const dry = await importYaml(f.adminCookie, values, "text/yaml", true);
    expect(dry.status, dry.message).toBe(200);
    expect(JSON.parse(dry.message)).toMatchObject({ dryRun: true });
  });

  test("prints the count", () => {
    const byKind = KINDS.map((k) => `${k} ${cases.filter((c) => c.kind === k).length}`).join(", ");
    console.log(`bad-input: ${cases.length} cases (by kind: ${byKind}); ${[...tally.values()].reduce((a, b) => a + b, 0)} passed here`);
    expect(tally.size).toBeGreaterThan(0);
  });
});
