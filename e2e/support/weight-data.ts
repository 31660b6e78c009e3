// A console at a realistic size for the page-weight spec, seeded straight into the e2e database with names
// of its own (a suffix per call): one GitHub app with 100 repositories, each with two docker build rules
// (every tenth also a unikernel build), deployment rules for live and staging and five targets; three commits
// and their builds per repository, a release per deployment rule and successful build, the targets running
// the latest one; a few deployments waiting for approval; and 60 audit events with before/after details of
// the size the inventory's own events have (a whole target or build rule, a key rotation, an import), chained
// onto the real audit log exactly as lib/audit/record.ts chains them.
// Nothing here is reachable: the contexts' sockets do not exist and the hosts refuse.
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { eventHash } from "@/lib/audit/hash";
import { AUDIT_CHAIN_LOCK } from "@/lib/audit/record";

const id = () => `w${randomUUID().replace(/-/g, "").slice(0, 24)}`;
const sha = () => randomBytes(20).toString("hex");
const digest = () => `sha256:${randomBytes(32).toString("hex")}`;

export const WEIGHT_REPOS = 100;
export const WEIGHT_AUDIT_EVENTS = 60;

export interface WeightData {
  suffix: string;
  repository: string;
  build: string;
  release: string;
  deployment: string;
  target: string;
  host: string;
  context: string;
  /** the newest seeded audit event */
  auditEvent: string;
  counts: { repos: number; buildRules: number; deployRules: number; targets: number; builds: number; deployments: number; auditEvents: number };
}

type Row = unknown[];

/** Inserts rows in batches of multi-row VALUES, every value a parameter. */
async function insert(client: pg.Client, table: string, columns: string[], rows: Row[]): Promise<void> {
  const perBatch = Math.max(1, Math.floor(30_000 / columns.length));
  for (let i = 0; i < rows.length; i += perBatch) {
    const batch = rows.slice(i, i + perBatch);
    const params: unknown[] = [];
    const values = batch.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(", ")})`);
    await client.query(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${values.join(", ")}`, params);
  }
}

const words = ["website", "api", "billing", "search", "docs", "status", "registry", "scheduler", "mailer", "images"];

export async function seedWeight(databaseUrl: string = process.env.E2E_DATABASE_URL ?? ""): Promise<WeightData> {
  if (!databaseUrl) throw new Error("E2E_DATABASE_URL is not set (e2e/global-setup.ts sets it)");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    const data = await seed(client);
    await client.query("COMMIT");
    return data;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

async function seed(client: pg.Client): Promise<WeightData> {
  const suffix = randomBytes(3).toString("hex");
  const now = Date.now();
  const ago = (minutes: number) => new Date(now - minutes * 60_000);
  const [alice] = (await client.query<{ id: string }>("SELECT id FROM users WHERE login = 'alice'")).rows;
  const aliceId = alice?.id ?? null;

  const app = id();
  await insert(client, "github_apps", ["id", "name", "account_allowlist", "updated_at"], [[app, `weight-${suffix}`, [], new Date()]]);
  const hosts = [0, 1, 2].map((n) => ({ id: id(), name: `weight-${suffix}-node${n}` }));
  await insert(
    client,
    "hosts",
    ["id", "name", "address", "port", "user", "last_checked_at", "last_check_result", "updated_at"],
    hosts.map((h, n) => [h.id, h.name, `node${n}.swarm.weight-${suffix}.example.test`, 22, "deploy", ago(90), "logged in as deploy; docker 27.3.1 answers", new Date()]),
  );
  const contexts = hosts.map((h, n) => ({ id: id(), name: `weight-${suffix}-swarm${n}` }));
  await insert(
    client,
    "docker_contexts",
    ["id", "name", "endpoint", "role", "host_id", "updated_at"],
    contexts.map((c, n) => [c.id, c.name, `ssh://deploy@node${n}.swarm.weight-${suffix}.example.test`, n === 2 ? "both" : "swarm_manager", hosts[n]!.id, new Date()]),
  );
  const registry = id();
  await insert(client, "registries", ["id", "name", "url", "username", "updated_at"], [[registry, `weight-${suffix}-registry`, "https://registry.weight.example.test", "deployer", new Date()]]);

  const repos: Row[] = [];
  const rules: Row[] = [];
  const deployRules: Row[] = [];
  const targets: Row[] = [];
  const commits: Row[] = [];
  const builds: Row[] = [];
  const releases: Row[] = [];
  const deployments: Row[] = [];
  const refs: Row[] = [];
  const buildRefs: Row[] = [];
  let first: Pick<WeightData, "repository" | "build" | "release" | "deployment" | "target"> | undefined;

  for (let r = 0; r < WEIGHT_REPOS; r++) {
    const repoId = id();
    const name = `weight-${suffix}/${words[r % words.length]}-service-${String(r).padStart(3, "0")}`;
    repos.push([repoId, name, "github", app, `https://github.com/${name}`, "main", new Date()]);
    const commitRows = [0, 1, 2].map((c) => ({ id: id(), sha: sha(), age: 60 * 24 * (3 - c) + r }));
    for (const [c, co] of commitRows.entries()) {
      commits.push([co.id, repoId, co.sha, `Release ${c + 1} of ${name}: update the dependencies and fix the health check`, "Kate Deplaix", "kit-ty-kate", ago(co.age)]);
    }
    const live = id();
    refs.push([live, repoId, "branch", "live", commitRows[2]!.sha, new Date()]);
    const kinds: { name: string; kind: "docker" | "unikernel"; dockerfile: string; contextDir: string; branches: string[] }[] = [
      { name: "Dockerfile", kind: "docker", dockerfile: "Dockerfile", contextDir: "", branches: ["live", "staging"] },
      { name: "worker", kind: "docker", dockerfile: "worker/Dockerfile", contextDir: "worker", branches: ["live"] },
    ];
    if (r % 10 === 0) kinds.push({ name: "mirage-hvt", kind: "unikernel", dockerfile: "Dockerfile.mirage", contextDir: "", branches: ["master"] });
    for (const [position, k] of kinds.entries()) {
      const ruleId = id();
      rules.push([
        ruleId,
        repoId,
        k.name,
        k.kind,
        k.dockerfile,
        k.contextDir,
        k.kind === "docker" ? ["OCAML_VERSION=5.2", "OPAM_REPOSITORY=https://github.com/ocaml/opam-repository.git"] : ["EXTRA_FLAGS=--tls=true"],
        [],
        k.kind === "docker" ? ["amd64", "arm64"] : ["amd64"],
        k.kind === "unikernel" ? "hvt" : null,
        position,
        new Date(),
      ]);
      const buildIds = commitRows.map((co, c) => {
        const b = id();
        const failed = c === 1 && position === 1;
        builds.push([
          b,
          ruleId,
          co.id,
          failed ? "failed" : "succeeded",
          "webhook",
          failed ? "The command '/bin/sh -c opam install --deps-only --with-test .' returned a non-zero code: 31" : null,
          contexts[2]!.id,
          ago(co.age),
          ago(co.age - 1),
          ago(co.age - 4),
          new Date(),
        ]);
        if (c === 2 && position === 0) buildRefs.push([b, live]);
        return { id: b, failed, age: co.age };
      });
      for (const branch of k.branches) {
        const ruleDeploy = id();
        const image = k.kind === "docker" ? `registry.weight.example.test/${name}${k.name === "worker" ? "-worker" : ""}:${branch}` : `registry.weight.example.test/${name}-kernels:${branch}`;
        deployRules.push([ruleDeploy, ruleId, branch, image, registry, branch === "live" && r % 4 === 0 ? "manual" : "automatic", "average", 86400, new Date()]);
        const releaseIds = buildIds
          .filter((b) => !b.failed)
          .map((b) => {
            const rel = id();
            releases.push([rel, b.id, ruleDeploy, image.replace(/:[^:/]+$/, ""), branch, digest(), k.kind === "docker" ? JSON.stringify({ amd64: digest(), arm64: digest() }) : null, ago(b.age - 5)]);
            return rel;
          });
        const latest = releaseIds[releaseIds.length - 1]!;
        const targetNames =
          k.kind === "unikernel"
            ? [{ service: "www", kind: "unikernel" }]
            : k.name === "worker"
              ? [{ service: "worker", kind: "compose_service" }]
              : branch === "live"
                ? [
                    { service: "web", kind: "swarm_service" },
                    { service: "api", kind: "swarm_service" },
                  ]
                : [{ service: "web", kind: "swarm_service" }];
        for (const t of targetNames) {
          const targetId = id();
          const service = `${words[r % words.length]}-${String(r).padStart(3, "0")}_${t.service}${branch === "staging" ? "_staging" : ""}`;
          targets.push([
            targetId,
            ruleDeploy,
            `weight-${suffix}-${service}`,
            t.kind,
            t.kind === "unikernel" ? null : contexts[r % 2]!.id,
            t.kind === "unikernel" ? hosts[2]!.id : null,
            service,
            t.kind === "compose_service" ? `${words[r % words.length]}-${r}` : null,
            t.service === "web" ? `https://${words[r % words.length]}-${r}.weight.example.test/healthz` : null,
            t.kind === "unikernel" ? "/var/lib/slipway/unikernels" : null,
            t.kind === "unikernel" ? "systemd" : null,
            latest,
            ago(60),
            new Date(),
          ]);
          releaseIds.forEach((rel, i) => {
            const dep = id();
            deployments.push([dep, targetId, rel, i > 0 ? releaseIds[i - 1] : null, "succeeded", "release", null, ago(60 * 24 * (releaseIds.length - i)), new Date()]);
            if (!first && i === releaseIds.length - 1) first = { repository: repoId, build: buildIds[2]!.id, release: rel, deployment: dep, target: targetId };
          });
          // a quarter of the live rules need approval: their newest release waits for it on one target
          if (branch === "live" && r % 4 === 0 && t.service === "web" && r < 20) {
            deployments.push([id(), targetId, latest, latest, "pending_approval", "release", null, ago(30), new Date()]);
          }
        }
      }
    }
  }
  await insert(client, "repositories", ["id", "name", "provider", "app_id", "url", "default_branch", "updated_at"], repos);
  await insert(client, "commits", ["id", "repository_id", "sha", "message", "author", "pushed_by", "created_at"], commits);
  await insert(client, "refs", ["id", "repository_id", "kind", "name", "head_sha", "updated_at"], refs);
  await insert(
    client,
    "build_rules",
    ["id", "repository_id", "name", "kind", "dockerfile", "context_dir", "build_args", "build_secrets", "archs", "unikernel_target", "position", "updated_at"],
    rules,
  );
  await insert(
    client,
    "builds",
    ["id", "build_rule_id", "commit_id", "state", "trigger", "reason", "docker_context_id", "queued_at", "started_at", "finished_at", "updated_at"],
    builds,
  );
  await insert(client, "build_refs", ["build_id", "ref_id"], buildRefs);
  await insert(
    client,
    "deployment_rules",
    ["id", "build_rule_id", "branch", "image", "registry_id", "approval_mode", "confirm_level", "approval_expiry_seconds", "updated_at"],
    deployRules,
  );
  await insert(client, "releases", ["id", "build_id", "deployment_rule_id", "image_repo", "tag", "digest", "platform_digests", "created_at"], releases);
  await insert(
    client,
    "targets",
    [
      "id",
      "deployment_rule_id",
      "name",
      "kind",
      "docker_context_id",
      "host_id",
      "service",
      "compose_project",
      "health_url",
      "unikernel_dir",
      "restart_method",
      "current_release_id",
      "last_deployed_at",
      "updated_at",
    ],
    targets,
  );
  await insert(client, "deployments", ["id", "target_id", "release_id", "previous_release_id", "state", "trigger", "reason", "created_at", "updated_at"], deployments);
  await client.query(
    "UPDATE deployments SET queued_at = created_at, started_at = created_at + interval '2 seconds', finished_at = created_at + interval '41 seconds', requested_by_id = $2 WHERE state = 'succeeded' AND id = ANY($1)",
    [deployments.map((d) => d[0]), aliceId],
  );
  await client.query("UPDATE deployments SET approval_expires_at = now() + interval '20 hours' WHERE state = 'pending_approval' AND id = ANY($1)", [deployments.map((d) => d[0])]);

  const auditEvent = await seedAuditEvents(client, suffix, { aliceId, targets, rules, deployRules, hosts });
  if (!first) throw new Error("the seed made no deployment");
  return {
    suffix,
    ...first,
    host: hosts[0]!.id,
    context: contexts[0]!.id,
    auditEvent,
    counts: {
      repos: repos.length,
      buildRules: rules.length,
      deployRules: deployRules.length,
      targets: targets.length,
      builds: builds.length,
      deployments: deployments.length,
      auditEvents: WEIGHT_AUDIT_EVENTS,
    },
  };
}

/**
 * Audit events as the inventory's commands write them: a target or build rule updated (its whole entity
 * before and after), a key rotation, an import, approvals. Chained onto the log under the chain's lock, with
 * the hash lib/audit/hash.ts computes, so audit:verify still passes.
 */
async function seedAuditEvents(
  client: pg.Client,
  suffix: string,
  seeded: { aliceId: string | null; targets: Row[]; rules: Row[]; deployRules: Row[]; hosts: { id: string; name: string }[] },
): Promise<string> {
  await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [AUDIT_CHAIN_LOCK]);
  const last = (await client.query<{ hash: string; created_at: Date }>("SELECT hash, created_at FROM audit_events ORDER BY id DESC LIMIT 1")).rows[0];
  let prevHash = last?.hash ?? "";
  let at = Math.max(Date.now() - WEIGHT_AUDIT_EVENTS * 60_000, (last?.created_at.getTime() ?? 0) + 1);
  const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
  let newest = "";
  for (let n = 0; n < WEIGHT_AUDIT_EVENTS; n++) {
    const e = auditEvent(n, suffix, seeded);
    const [{ id: next }] = (await client.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))::text AS id")).rows as [{ id: string }];
    at += 1000 + (n % 7) * 1000;
    const fields = {
      id: BigInt(next),
      createdAt: new Date(at),
      actorType: "user",
      actorId: seeded.aliceId,
      actorLabel: "alice",
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      summary: e.summary,
      before: e.before ?? null,
      after: e.after ?? null,
      ip: "192.0.2.14",
      userAgent: ua,
    };
    const hash = eventHash(prevHash, fields);
    await client.query(
      `INSERT INTO audit_events (id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, summary, before, after, ip, user_agent, prev_hash, hash)
       VALUES ($1, $2, 'user', $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14)`,
      [
        next,
        fields.createdAt,
        fields.actorId,
        fields.actorLabel,
        fields.action,
        fields.subjectType,
        fields.subjectId,
        fields.summary,
        fields.before === null ? null : JSON.stringify(fields.before),
        fields.after === null ? null : JSON.stringify(fields.after),
        fields.ip,
        fields.userAgent,
        prevHash,
        hash,
      ],
    );
    prevHash = hash;
    newest = next;
  }
  return newest;
}

interface SeedEvent {
  action: string;
  subjectType: string;
  subjectId: string | null;
  summary: string;
  before?: unknown;
  after?: unknown;
}

function targetEntity(t: Row, monitor: number) {
  return {
    name: t[2],
    kind: t[3],
    context: t[4] ? "weight-swarm0" : null,
    host: t[5] ? "weight-node2" : null,
    service: t[6],
    compose_project: t[7],
    health: { url: t[8], timeout: "1m", expect_status: 200, expect_body: null },
    converge_timeout: "10m",
    monitor: `${monitor}s`,
    unikernel: t[3] === "unikernel" ? { dir: t[9], restart: { method: t[10], unit: "mirage-www@{service}", memory: 64, networks: ["service"], args: ["--ipv4=10.0.0.2/24", "--ipv4-gateway=10.0.0.1"] }, keep: 5 } : null,
  };
}

function auditEvent(n: number, suffix: string, s: { targets: Row[]; rules: Row[]; deployRules: Row[]; hosts: { id: string; name: string }[] }): SeedEvent {
  const t = s.targets[n % s.targets.length]!;
  const rule = s.rules[n % s.rules.length]!;
  switch (n % 6) {
    case 0:
      return { action: "target.updated", subjectType: "target", subjectId: t[0] as string, summary: `target ${t[2]}: monitor window changed`, before: targetEntity(t, 10), after: targetEntity(t, 30) };
    case 1: {
      const base = {
        name: rule[2],
        kind: rule[3],
        dockerfile: rule[4],
        context: rule[5],
        build_args: [...(rule[6] as string[]), ...Array.from({ length: 12 }, (_, i) => `FEATURE_FLAG_${i}=enabled-for-the-staging-and-live-deployments`)],
        archs: rule[8],
        include_git: false,
        timeout: "50m",
      };
      return { action: "build_rule.updated", subjectType: "build_rule", subjectId: rule[0] as string, summary: `build rule ${rule[2]}: build args changed`, before: base, after: { ...base, archs: ["amd64", "arm64", "ppc64le"] } };
    }
    case 2: {
      const host = s.hosts[n % s.hosts.length]!;
      const old = Array.from({ length: 3 }, () => `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`);
      const fresh = Array.from({ length: 3 }, () => `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`);
      return {
        action: "host.key_retired",
        subjectType: "host",
        subjectId: host.id,
        summary: `host ${host.name}: ssh-ed25519 key ${old[0]} retired, replaced by ${fresh.join(", ")}`,
        before: { algorithm: "ssh-ed25519", fingerprintSha256: old[0], publicKey: `ssh-ed25519 ${randomBytes(51).toString("base64")}` },
        after: { fingerprintsSha256: fresh, keys: fresh.map((f, i) => ({ algorithm: ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"][i], fingerprintSha256: f, publicKey: randomBytes(i === 2 ? 278 : 68).toString("base64") })) },
      };
    }
    case 3: {
      const d = s.deployRules[n % s.deployRules.length]!;
      const base = { branch: d[2], image: d[3], registry: `weight-${suffix}-registry`, approval: { mode: d[5], min_approvers: 1, role: "operator", expiry: "1d" }, confirm: d[6] };
      return {
        action: "deployment_rule.updated",
        subjectType: "deployment_rule",
        subjectId: d[0] as string,
        summary: `deployment rule ${d[2]}: approval changed`,
        before: base,
        after: { ...base, approval: { ...base.approval, mode: "manual", min_approvers: 2 } },
      };
    }
    case 4:
      return {
        action: "inventory.imported",
        subjectType: "system",
        subjectId: null,
        summary: "slipway.yml imported from weight.yml: 12 created, 31 changed, 2 deleted",
        after: {
          counts: { create: 12, update: 31, delete: 2 },
          planId: sha(),
          changes: Array.from({ length: 45 }, (_, i) => ({ kind: ["target", "build", "deploy"][i % 3], action: i < 12 ? "create" : i < 43 ? "update" : "delete", label: `target weight-${suffix}-svc-${i} of weight-${suffix}/website-service-${String(i).padStart(3, "0")} (live)` })),
        },
      };
    default: {
      const dep = t[0] as string;
      return {
        action: "deployment.approved",
        subjectType: "deployment",
        subjectId: dep,
        summary: `${t[2]}: approval 1 of 1, queued: checked the changelog and the staging run`,
        before: { state: "pending_approval" },
        after: { state: "queued", approvals: 1, needed: 1, comment: "checked the changelog and the staging run" },
      };
    }
  }
}
