// The authorization matrix's one table: every server action (file + export) and every API route (method +
// path) with the role it needs, and how to call it with input that names real rows, so the allowed cells
// really succeed. test/security.authz-matrix.test.ts finds the actions and routes in app/ itself and fails
// when one has no row here, or a row names something that is gone: add a row with every new action or route.
//
// need: the least role that may call it (viewer < operator < admin; anonymous never), or "public" for the
// routes that check something else (a signature, a one-time token, nothing at all for health and badges):
// those run for everyone alike, and must answer everyone the same.
import { randomBytes } from "node:crypto";
import { stringify, parse } from "yaml";
import { expect } from "vitest";
import { getDb } from "@/lib/db";
import type { Role } from "@/lib/auth/roles";
import { exportInventory } from "@/lib/services/inventory/config";
import { saveApp, saveBuildRule, saveChannel, saveContext, saveRegistry, saveRepository, saveSecret } from "@/lib/services/inventory/entities";
import { activeDeployerKey } from "@/lib/queries/deployer-key";
import { queueNotification } from "@/lib/services/notifications/deliveries";
import { approvalLevelSetting } from "@/lib/queries/deployment-settings";
import { deployedTarget, freshBuild, freshHost, freshPreview, freshUser, pendingDeployment, promotableRelease, type Who, type World } from "@/test/authz/world";

export type Need = Role | "public";

export type Call =
  | { kind: "action"; form: Record<string, string | string[]> }
  | { kind: "route"; method: string; path: string; body?: string; headers?: Record<string, string> };

/** What a call answered. For a server action: its ActionState (ok, error, result) or the redirect it made. */
export interface Outcome {
  status: number;
  headers: Headers;
  text: string;
  /** the body's length in bytes (0 for a live log, whose stream is not read) */
  bytes: number;
  ok?: boolean;
  error?: string;
  result?: unknown;
  redirect?: string;
}

export interface Cell {
  call: Call;
  /** On an allowed cell: what the call must have done (the row changed, the answer's content). */
  check(o: Outcome): Promise<void> | void;
}

export interface Row {
  /** server action: "app/(console)/targets/actions.ts#rollbackTargetAction"; route: "GET /api/health" */
  id: string;
  need: Need;
  /** false: the call reads only, so even its allowed cells must leave the database as it was */
  writes: boolean;
  cell(w: World, who: Who): Promise<Cell>;
}

const action = (form: Record<string, string | string[]>): Call => ({ kind: "action", form });
const get = (path: string, headers?: Record<string, string>): Call => ({ kind: "route", method: "GET", path, headers });

const db = () => getDb();

/** The allowed call's ActionState said ok, or it redirected (which it does only after ok). */
function succeeded(o: Outcome) {
  expect(o.error, `the action failed: ${o.error}`).toBeUndefined();
  expect(o.ok === true || o.redirect !== undefined, `neither ok nor a redirect: ${o.text.slice(0, 300)}`).toBe(true);
}

async function auditedBy(w: World, who: Who, action: string, subjectId?: string) {
  const user = who === "anonymous" ? null : w.users[who];
  const ev = await db().auditEvent.findFirst({ where: { action, actorId: user?.id, ...(subjectId ? { subjectId } : {}) }, orderBy: { id: "desc" } });
  expect(ev, `no ${action} audit event by ${who}${subjectId ? ` for ${subjectId}` : ""}`).not.toBeNull();
}

const ACTIONS = "app/(console)";
const a = (file: string, name: string) => `${ACTIONS}/${file}#${name}`;

export const table: Row[] = [
  // ─── builds ──────────────────────────────────────────────────────────────────────────────────
  {
    id: a("builds/[id]/actions.ts", "cancelBuildAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      const buildId = await freshBuild(w, "queued");
      return {
        call: action({ buildId }),
        async check(o) {
          succeeded(o);
          expect((await db().build.findUniqueOrThrow({ where: { id: buildId } })).state).toBe("cancelled");
          await auditedBy(w, who, "build.cancelled", buildId);
        },
      };
    },
  },
  {
    id: a("builds/[id]/actions.ts", "rebuildAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      const buildId = await freshBuild(w, "succeeded");
      return {
        call: action({ buildId }),
        async check(o) {
          succeeded(o);
          const b = await db().build.findUniqueOrThrow({ where: { id: buildId } });
          const again = await db().build.findFirstOrThrow({ where: { buildRuleId: b.buildRuleId, commitId: b.commitId, attempt: 2 } });
          expect(o.redirect).toContain(`/builds/${again.id}`);
          await auditedBy(w, who, "build.rebuilt", again.id);
        },
      };
    },
  },
  // ─── docker contexts ─────────────────────────────────────────────────────────────────────────
  {
    id: a("contexts/actions.ts", "saveContextAction"),
    need: "admin",
    writes: true,
    async cell(w, who) {
      const name = `matrix-ctx${w.next()}`;
      return {
        call: action({ name, endpoint: "unix:///tmp/slipway-authz-other.sock", role: "build" }),
        async check(o) {
          succeeded(o);
          const c = await db().dockerContext.findUniqueOrThrow({ where: { name } });
          await auditedBy(w, who, "docker_context.created", c.id);
        },
      };
    },
  },
  {
    id: a("contexts/actions.ts", "deleteContextAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = (await saveContext(w.admin, { name: `matrix-gone${w.next()}`, endpoint: "unix:///tmp/slipway-authz-gone.sock", role: "build" })).id;
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect(o.redirect).toContain("/contexts");
          expect(await db().dockerContext.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("contexts/actions.ts", "testContextAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      return {
        call: action({ context_id: w.contextId }),
        async check(o) {
          succeeded(o);
          expect(o.result).toMatchObject({ ok: false });
          await auditedBy(w, who, "docker_context.checked", w.contextId);
        },
      };
    },
  },
  // ─── deployments ─────────────────────────────────────────────────────────────────────────────
  {
    id: a("deployments/actions.ts", "decideDeploymentAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      const deploymentId = await pendingDeployment(w);
      return {
        call: action({ deploymentId, decision: "approve", comment: `approved by the matrix as ${who}` }),
        async check(o) {
          succeeded(o);
          expect((await db().deployment.findUniqueOrThrow({ where: { id: deploymentId } })).state).toBe("queued");
          expect(await db().approval.count({ where: { deploymentId } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("deployments/actions.ts", "cancelDeploymentAction"),
    need: "operator",
    writes: true,
    async cell(w) {
      const deploymentId = await pendingDeployment(w);
      return {
        call: action({ deploymentId }),
        async check(o) {
          succeeded(o);
          expect((await db().deployment.findUniqueOrThrow({ where: { id: deploymentId } })).state).toBe("cancelled");
        },
      };
    },
  },
  // ─── previews ────────────────────────────────────────────────────────────────────────────────
  {
    id: a("previews/actions.ts", "tearDownPreviewAction"),
    need: "operator",
    writes: true,
    async cell(w) {
      const id = await freshPreview(w, "running");
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect((await db().preview.findUniqueOrThrow({ where: { id } })).state).toBe("tearing_down");
          expect(await db().auditEvent.count({ where: { action: "preview.teardown_requested", subjectId: id } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("previews/actions.ts", "approvePreviewAction"),
    need: "operator",
    writes: true,
    async cell(w) {
      const id = await freshPreview(w, "pending_approval");
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          const p = await db().preview.findUniqueOrThrow({ where: { id } });
          expect(p.approvedAt).not.toBeNull();
          expect(["queued", "waiting"]).toContain(p.state);
          expect(await db().auditEvent.count({ where: { action: "preview.approved", subjectId: id } })).toBe(1);
        },
      };
    },
  },
  // ─── hosts ───────────────────────────────────────────────────────────────────────────────────
  {
    id: a("hosts/actions.ts", "createHostAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `matrix-new-host${w.next()}`;
      return {
        call: action({ name, address: "192.0.2.10", port: "22", user: "deploy" }),
        async check(o) {
          succeeded(o);
          const h = await db().host.findUniqueOrThrow({ where: { name } });
          expect(o.redirect).toContain(`/hosts/${h.id}`);
        },
      };
    },
  },
  {
    id: a("hosts/actions.ts", "updateHostAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = await freshHost(w);
      const h = await db().host.findUniqueOrThrow({ where: { id } });
      return {
        call: action({ id, name: h.name, address: h.address, port: "2299", user: h.user }),
        async check(o) {
          succeeded(o);
          expect((await db().host.findUniqueOrThrow({ where: { id } })).port).toBe(2299);
        },
      };
    },
  },
  {
    id: a("hosts/actions.ts", "deleteHostAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = await freshHost(w);
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect(await db().host.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    // a scan only reads the host's keys (admins: what it shows is what gets accepted next)
    id: a("hosts/actions.ts", "scanHostAction"),
    need: "admin",
    writes: false,
    async cell(w) {
      return {
        call: action({ host_id: w.hostId }),
        check(o) {
          succeeded(o);
          const r = o.result as { keys: { fingerprintSha256: string; pinned: boolean }[] };
          expect(r.keys.map((k) => k.fingerprintSha256).sort()).toEqual(w.sshd.hostKeys.map((k) => k.fingerprintSha256).sort());
          expect(r.keys.every((k) => k.pinned)).toBe(true);
        },
      };
    },
  },
  {
    id: a("hosts/actions.ts", "pinHostKeysAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const host_id = await freshHost(w);
      const key = w.sshd.hostKeys[0]!;
      return {
        call: action({ host_id, keys: `${key.algorithm} ${key.publicKey}` }),
        async check(o) {
          succeeded(o);
          expect((await db().hostKey.findMany({ where: { hostId: host_id } })).map((k) => k.fingerprintSha256)).toEqual([key.fingerprintSha256]);
        },
      };
    },
  },
  {
    id: a("hosts/actions.ts", "removeHostKeyAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const host_id = await freshHost(w, { pinned: true });
      const key = await db().hostKey.findFirstOrThrow({ where: { hostId: host_id } });
      return {
        call: action({ host_id, key_id: key.id }),
        async check(o) {
          succeeded(o);
          expect(await db().hostKey.count({ where: { hostId: host_id } })).toBe(0);
        },
      };
    },
  },
  {
    id: a("hosts/actions.ts", "testHostAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      return {
        call: action({ host_id: w.hostId }),
        async check(o) {
          succeeded(o);
          // the real sshd lets the deployer key in and presents the pinned keys
          expect(o.result).toMatchObject({ status: "connected" });
          await auditedBy(w, who, "host.checked", w.hostId);
        },
      };
    },
  },
  // ─── repositories ────────────────────────────────────────────────────────────────────────────
  {
    id: a("repositories/[id]/actions.ts", "saveRepositoryAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const repo = `matrix/saved${w.next()}`;
      return {
        call: action({ repo, url: `https://git.example.test/${repo}.git` }),
        async check(o) {
          succeeded(o);
          expect(await db().repository.count({ where: { name: repo } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "saveBuildRuleAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `Dockerfile.m${w.next()}`;
      return {
        call: action({ repository_id: w.repoId, name, dockerfile: name }),
        async check(o) {
          succeeded(o);
          expect(await db().buildRule.count({ where: { repositoryId: w.repoId, name } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "saveDeploymentRuleAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const branch = `matrix-branch-${w.next()}`;
      return {
        call: action({ build_rule_id: w.buildRuleId, branch, image: `127.0.0.1:5000/matrix/app:${branch}` }),
        async check(o) {
          succeeded(o);
          expect(await db().deploymentRule.count({ where: { buildRuleId: w.buildRuleId, branch } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "saveTargetAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const i = w.next();
      const name = `matrix-saved-t${i}`;
      return {
        call: action({ deployment_rule_id: w.deployRuleId, name, context: w.contextName, service: `matrix_saved${i}` }),
        async check(o) {
          succeeded(o);
          expect(await db().target.count({ where: { name } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "deleteEntityAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = (await saveBuildRule(w.admin, { repository_id: w.repoId, name: `Dockerfile.gone${w.next()}` })).id;
      return {
        call: action({ kind: "build", id }),
        async check(o) {
          succeeded(o);
          expect(await db().buildRule.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "deleteRepositoryAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const repo = `matrix/gone${w.next()}`;
      const id = (await saveRepository(w.admin, { repo, url: `https://git.example.test/${repo}.git` })).id;
      return {
        call: action({ kind: "repo", id }),
        async check(o) {
          succeeded(o);
          expect(o.redirect).toContain("/repositories");
          expect(await db().repository.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "setPrivateBadgeAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const show = !(await db().repository.findUniqueOrThrow({ where: { id: w.repoId } })).privateBadge;
      return {
        call: action({ repository_id: w.repoId, show: String(show) }),
        async check(o) {
          succeeded(o);
          expect((await db().repository.findUniqueOrThrow({ where: { id: w.repoId } })).privateBadge).toBe(show);
        },
      };
    },
  },
  {
    id: a("repositories/[id]/actions.ts", "buildNowAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      const ref = await db().ref.create({ data: { repositoryId: w.repoId, kind: "branch", name: `matrix-${w.next()}`, headSha: randomBytes(20).toString("hex") } });
      return {
        call: action({ refId: ref.id }),
        async check(o) {
          succeeded(o);
          // one build per build rule of the repository, requested by this user
          const commit = await db().commit.findFirstOrThrow({ where: { repositoryId: w.repoId, sha: ref.headSha } });
          const builds = await db().build.findMany({ where: { commitId: commit.id } });
          expect(builds.length).toBe(await db().buildRule.count({ where: { repositoryId: w.repoId, archivedAt: null } }));
          expect(new Set(builds.map((b) => b.triggeredById))).toEqual(new Set([who === "anonymous" ? null : w.users[who].id]));
        },
      };
    },
  },
  {
    id: a("repositories/actions.ts", "addRepositoryAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const repo = `matrix/added${w.next()}`;
      return {
        call: action({ repo, url: `https://git.example.test/${repo}.git` }),
        async check(o) {
          succeeded(o);
          const r = await db().repository.findFirstOrThrow({ where: { name: repo } });
          expect(o.redirect).toContain(`/repositories/${r.id}`);
        },
      };
    },
  },
  // ─── settings ────────────────────────────────────────────────────────────────────────────────
  {
    id: a("settings/apps/actions.ts", "saveAppAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `matrix-app${w.next()}`;
      return {
        call: action({ name, app_id: "777" }),
        async check(o) {
          succeeded(o);
          expect(await db().githubApp.count({ where: { name } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("settings/apps/actions.ts", "deleteAppAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = (await saveApp(w.admin, { name: `matrix-app-gone${w.next()}`, app_id: "778" })).id;
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect(await db().githubApp.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("settings/deployer-key/actions.ts", "rotateDeployerKeyAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const before = await activeDeployerKey();
      return {
        call: action({}),
        async check(o) {
          succeeded(o);
          const after = await activeDeployerKey();
          expect(after?.fingerprintSha256).not.toBe(before?.fingerprintSha256);
          // the host the other cells test must keep letting the deployer in
          await w.sshd.setAuthorizedKeys([after!.publicKey]);
        },
      };
    },
  },
  {
    id: a("settings/deployments/actions.ts", "setApprovalLevelAction"),
    need: "admin",
    writes: true,
    async cell() {
      const level = (await approvalLevelSetting()).level === "dangerous" ? "above_average" : "dangerous";
      return {
        call: action({ level }),
        async check(o) {
          succeeded(o);
          expect((await approvalLevelSetting()).level).toBe(level);
        },
      };
    },
  },
  {
    id: a("settings/notifications/actions.ts", "saveChannelAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `matrix-channel${w.next()}`;
      return {
        call: action({ name, url: "https://hooks.slack.com/services/T000/B000/matrix2", events: ["deployment.failed", "deployment.succeeded"] }),
        async check(o) {
          succeeded(o);
          expect(await db().notificationChannel.count({ where: { name } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("settings/notifications/actions.ts", "deleteChannelAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = (await saveChannel(w.admin, { name: `matrix-channel-gone${w.next()}`, url: "https://hooks.slack.com/services/T000/B000/gone", events: ["deployment.failed"] })).id;
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect(await db().notificationChannel.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("settings/notifications/actions.ts", "sendTestEventAction"),
    need: "admin",
    writes: true,
    async cell(w, who) {
      // a webhook to a loopback port nothing listens on: the attempt is refused at once and retried later
      const id = (await saveChannel(w.admin, { name: `matrix-hook${w.next()}`, kind: "webhook", url: "http://127.0.0.1:9/hook", events: ["deployment.failed"] })).id;
      return {
        call: action({ channel_id: id }),
        async check(o) {
          succeeded(o);
          expect(await db().notificationDelivery.count({ where: { channelId: id } })).toBe(1);
          await auditedBy(w, who, "notification_channel.test_sent", id);
        },
      };
    },
  },
  {
    id: a("settings/notifications/actions.ts", "redeliverAction"),
    need: "admin",
    writes: true,
    async cell(w, who) {
      const id = (await saveChannel(w.admin, { name: `matrix-redeliver${w.next()}`, kind: "webhook", url: "http://127.0.0.1:9/hook", events: ["deployment.failed"] })).id;
      const [deliveryId] = await queueNotification({ event: "deployment.failed", app: null, repository: null, data: { url: "https://slipway.example.org/" } }, null, { channelIds: [id] });
      return {
        call: action({ delivery_id: deliveryId!, channel_id: id }),
        async check(o) {
          succeeded(o);
          expect((await db().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } })).attempts).toBe(1);
          await auditedBy(w, who, "notification.redelivered", id);
        },
      };
    },
  },
  {
    id: a("settings/notifications/actions.ts", "rotateSigningSecretAction"),
    need: "admin",
    writes: true,
    async cell(w, who) {
      const saved = await saveChannel(w.admin, { name: `matrix-rotate${w.next()}`, kind: "webhook", url: "http://127.0.0.1:9/hook", events: ["deployment.failed"] });
      return {
        call: action({ channel_id: saved.id }),
        async check(o) {
          succeeded(o);
          const secret = (o.result as { secret?: string } | undefined)?.secret;
          expect(secret).toMatch(/^whsec_/);
          expect(secret).not.toBe(saved.signingSecret);
          await auditedBy(w, who, "notification_channel.secret_rotated", saved.id);
        },
      };
    },
  },
  {
    id: a("settings/registries/actions.ts", "saveRegistryAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `matrix-reg${w.next()}`;
      return {
        call: action({ name, url: "registry.example.test", username: "ci", password: "matrix-registry-pass" }),
        async check(o) {
          succeeded(o);
          expect((await db().registry.findUniqueOrThrow({ where: { name } })).passwordSecretId).not.toBeNull();
        },
      };
    },
  },
  {
    id: a("settings/registries/actions.ts", "deleteRegistryAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = (await saveRegistry(w.admin, { name: `matrix-reg-gone${w.next()}`, url: "gone.example.test" })).id;
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect(await db().registry.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("settings/registries/actions.ts", "testRegistryAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      return {
        call: action({ registry_id: w.registryId }),
        async check(o) {
          succeeded(o);
          // the real registry takes the stored password
          expect(o.result).toMatchObject({ ok: true });
          await auditedBy(w, who, "registry.checked", w.registryId);
        },
      };
    },
  },
  {
    id: a("settings/secrets/actions.ts", "saveSecretAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `MATRIX_${w.next()}`;
      return {
        call: action({ name, scope: "global", value: "matrix-value" }),
        async check(o) {
          succeeded(o);
          expect(await db().secret.count({ where: { name } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("settings/secrets/actions.ts", "deleteSecretAction"),
    need: "admin",
    writes: true,
    async cell(w) {
      const id = (await saveSecret(w.admin, { name: `MATRIX_GONE_${w.next()}`, scope: "global" })).id;
      return {
        call: action({ id }),
        async check(o) {
          succeeded(o);
          expect(await db().secret.findUnique({ where: { id } })).toBeNull();
        },
      };
    },
  },
  {
    id: a("settings/users/actions.ts", "changeRoleAction"),
    need: "admin",
    writes: true,
    async cell() {
      const u = await freshUser("viewer");
      return {
        call: action({ userId: u.id, role: "operator" }),
        async check(o) {
          succeeded(o);
          expect((await db().user.findUniqueOrThrow({ where: { id: u.id } })).role).toBe("operator");
        },
      };
    },
  },
  {
    id: a("settings/users/actions.ts", "setDisabledAction"),
    need: "admin",
    writes: true,
    async cell() {
      const u = await freshUser("viewer");
      return {
        call: action({ userId: u.id, disabled: "true" }),
        async check(o) {
          succeeded(o);
          expect((await db().user.findUniqueOrThrow({ where: { id: u.id } })).disabled).toBe(true);
        },
      };
    },
  },
  // ─── targets ─────────────────────────────────────────────────────────────────────────────────
  {
    id: a("targets/actions.ts", "rollbackTargetAction"),
    need: "operator",
    writes: true,
    async cell(w) {
      const t = await deployedTarget(w, { pinned: false });
      return {
        call: action({ targetId: t.targetId, releaseId: t.older }),
        async check(o) {
          succeeded(o);
          expect((await db().target.findUniqueOrThrow({ where: { id: t.targetId } })).pinnedReleaseId).toBe(t.older);
          expect(await db().deployment.count({ where: { targetId: t.targetId, releaseId: t.older, trigger: "rollback" } })).toBe(1);
        },
      };
    },
  },
  {
    id: a("targets/actions.ts", "unpinTargetAction"),
    need: "operator",
    writes: true,
    async cell(w) {
      const t = await deployedTarget(w, { pinned: true });
      return {
        call: action({ targetId: t.targetId }),
        async check(o) {
          succeeded(o);
          expect((await db().target.findUniqueOrThrow({ where: { id: t.targetId } })).pinnedReleaseId).toBeNull();
        },
      };
    },
  },
  {
    id: a("targets/actions.ts", "deployReleaseAction"),
    need: "operator",
    writes: true,
    async cell(w) {
      const t = await deployedTarget(w, { pinned: false });
      return {
        call: action({ targetId: t.targetId, releaseId: t.older }),
        async check(o) {
          succeeded(o);
          expect(await db().deployment.count({ where: { targetId: t.targetId, releaseId: t.older, trigger: "manual" } })).toBe(1);
        },
      };
    },
  },
  {
    // changes no row (on the host it may make the service's directory, as a deploy would)
    id: a("targets/actions.ts", "checkTargetHostAction"),
    need: "operator",
    writes: false,
    async cell(w) {
      return {
        call: action({ target_id: w.ukTargetId }),
        check(o) {
          succeeded(o);
          expect(o.result, JSON.stringify(o.result)).toMatchObject({ ok: true, host: w.hostName });
        },
      };
    },
  },

  // ─── environments ────────────────────────────────────────────────────────────────────────────
  {
    id: a("environments/actions.ts", "promoteReleaseAction"),
    need: "operator",
    writes: true,
    async cell(w, who) {
      const p = await promotableRelease(w);
      return {
        call: action({ releaseId: p.releaseId, environment: "production" }),
        async check(o) {
          succeeded(o);
          expect(await db().deployment.count({ where: { targetId: p.productionTargetId, releaseId: p.releaseId, trigger: "promotion" } })).toBe(1);
          await auditedBy(w, who, "release.promoted", p.releaseId);
        },
      };
    },
  },

  // ─── API tokens ──────────────────────────────────────────────────────────────────────────────
  {
    id: a("settings/api-tokens/actions.ts", "createApiTokenAction"),
    need: "viewer",
    writes: true,
    async cell(w, who) {
      const name = `matrix-token-${w.next()}`;
      return {
        call: action({ name, scope: "read", expiresInDays: "7" }),
        async check(o) {
          succeeded(o);
          expect(JSON.stringify(o.result)).toMatch(/slw_[A-Za-z0-9_-]{43}/);
          const t = await db().apiToken.findFirstOrThrow({ where: { name, userId: w.users[who as Role].id } });
          expect(t.role).toBe("viewer");
          await auditedBy(w, who, "api_token.created", t.id);
        },
      };
    },
  },
  {
    id: a("settings/api-tokens/actions.ts", "revokeApiTokenAction"),
    need: "viewer",
    writes: true,
    async cell(w, who) {
      // each user revokes a token of their own; the anonymous cell names the viewer's
      const owner = w.users[who === "anonymous" ? "viewer" : who];
      const t = await db().apiToken.create({
        data: { name: `matrix-revoke-${w.next()}`, userId: owner.id, tokenHash: randomBytes(32).toString("hex"), prefix: "slw_matrix", role: "viewer" },
      });
      return {
        call: action({ id: t.id }),
        async check(o) {
          succeeded(o);
          expect((await db().apiToken.findUniqueOrThrow({ where: { id: t.id } })).revokedAt).not.toBeNull();
          await auditedBy(w, who, "api_token.revoked", t.id);
        },
      };
    },
  },

  // ─── /api/v1: bearer tokens only ─────────────────────────────────────────────────────────────
  // The matrix signs in with session cookies, which /api/v1 ignores: every operation answers 401 with
  // WWW-Authenticate: Bearer to everyone alike and writes nothing (test/api.v1.test.ts tries the tokens).
  ...(
    [
      ["GET", "/api/v1/me", "/api/v1/me"],
      ["GET", "/api/v1/repositories", "/api/v1/repositories"],
      ["GET", "/api/v1/repositories/[id]", "/api/v1/repositories/matrix-none"],
      ["GET", "/api/v1/build-rules/[id]", "/api/v1/build-rules/matrix-none"],
      ["GET", "/api/v1/builds", "/api/v1/builds"],
      ["GET", "/api/v1/builds/[id]", "/api/v1/builds/matrix-none"],
      ["GET", "/api/v1/builds/[id]/log", "/api/v1/builds/matrix-none/log"],
      ["POST", "/api/v1/builds/[id]/rebuild", "/api/v1/builds/matrix-none/rebuild"],
      ["POST", "/api/v1/builds/[id]/cancel", "/api/v1/builds/matrix-none/cancel"],
      ["GET", "/api/v1/releases", "/api/v1/releases"],
      ["GET", "/api/v1/releases/[id]", "/api/v1/releases/matrix-none"],
      ["GET", "/api/v1/releases/[id]/provenance", "/api/v1/releases/matrix-none/provenance"],
      ["GET", "/api/v1/deployment-rules/[id]", "/api/v1/deployment-rules/matrix-none"],
      ["GET", "/api/v1/targets", "/api/v1/targets"],
      ["GET", "/api/v1/targets/[id]", "/api/v1/targets/matrix-none"],
      ["POST", "/api/v1/targets/[id]/deploy", "/api/v1/targets/matrix-none/deploy"],
      ["POST", "/api/v1/targets/[id]/rollback", "/api/v1/targets/matrix-none/rollback"],
      ["POST", "/api/v1/targets/[id]/pin", "/api/v1/targets/matrix-none/pin"],
      ["POST", "/api/v1/targets/[id]/unpin", "/api/v1/targets/matrix-none/unpin"],
      ["GET", "/api/v1/environments/pipeline", "/api/v1/environments/pipeline"],
      ["POST", "/api/v1/releases/[id]/promote", "/api/v1/releases/matrix-none/promote"],
      ["GET", "/api/v1/deployments", "/api/v1/deployments"],
      ["GET", "/api/v1/deployments/[id]", "/api/v1/deployments/matrix-none"],
      ["GET", "/api/v1/deployments/[id]/log", "/api/v1/deployments/matrix-none/log"],
      ["GET", "/api/v1/approvals", "/api/v1/approvals"],
      ["POST", "/api/v1/approvals/[deploymentId]/approve", "/api/v1/approvals/matrix-none/approve"],
      ["POST", "/api/v1/approvals/[deploymentId]/reject", "/api/v1/approvals/matrix-none/reject"],
      ["GET", "/api/v1/previews", "/api/v1/previews"],
      ["POST", "/api/v1/previews/[id]/teardown", "/api/v1/previews/matrix-none/teardown"],
      ["POST", "/api/v1/previews/[id]/approve", "/api/v1/previews/matrix-none/approve"],
      ["GET", "/api/v1/audit", "/api/v1/audit"],
      ["GET", "/api/v1/audit/export", "/api/v1/audit/export"],
      ["GET", "/api/v1/dora", "/api/v1/dora"],
      ["GET", "/api/v1/inventory", "/api/v1/inventory"],
      ["POST", "/api/v1/inventory/import", "/api/v1/inventory/import?dryRun=1"],
    ] as const
  ).map(
    ([method, route, path]): Row => ({
      id: `${method} ${route}`,
      need: "public",
      writes: false,
      async cell() {
        return {
          call: { kind: "route", method, path, ...(method === "POST" ? { body: "{}", headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" } } : {}) },
          check(o) {
            expect(o.status, o.text.slice(0, 300)).toBe(401);
            expect(o.headers.get("www-authenticate")).toMatch(/^Bearer/);
            expect(JSON.parse(o.text)).toMatchObject({ error: { code: "unauthenticated" } });
          },
        };
      },
    }),
  ),
  {
    id: "GET /api/v1/openapi.json",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: get("/api/v1/openapi.json"),
        check(o) {
          expect(o.status).toBe(200);
          expect(JSON.parse(o.text)).toMatchObject({ openapi: "3.1.0" });
        },
      };
    },
  },

  // ─── API routes ──────────────────────────────────────────────────────────────────────────────
  {
    id: "GET /api/audit/export",
    need: "operator",
    writes: false,
    async cell() {
      return {
        call: get("/api/audit/export?format=json"),
        check(o) {
          expect(o.status).toBe(200);
          const events = JSON.parse(o.text) as { action: string }[];
          expect(events.some((e) => e.action === "host.created")).toBe(true);
        },
      };
    },
  },
  {
    // next-auth's own endpoints: the CSRF token is public; GitHub login is not configured here
    id: "GET /api/auth/[...nextauth]",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: get("/api/auth/csrf"),
        check(o) {
          expect(o.status).toBe(200);
          expect(JSON.parse(o.text)).toHaveProperty("csrfToken");
        },
      };
    },
  },
  {
    // a sign-out without next-auth's CSRF token is not carried out: no session is deleted
    id: "POST /api/auth/[...nextauth]",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: { kind: "route", method: "POST", path: "/api/auth/signout", body: "", headers: { "content-type": "application/x-www-form-urlencoded" } },
        check(o) {
          expect([302, 303]).toContain(o.status);
        },
      };
    },
  },
  {
    // the development login is off in a production server, for everyone
    id: "POST /api/auth/dev-login",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: { kind: "route", method: "POST", path: "/api/auth/dev-login", body: "login=intruder&role=admin", headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" } },
        check(o) {
          expect(o.status).toBe(404);
        },
      };
    },
  },
  {
    // a one-time link works only with the token the running `npm start` printed; a wrong one signs no one in
    id: "GET /api/auth/link",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: get(`/api/auth/link?token=${"A".repeat(43)}`, { "sec-fetch-site": "none" }),
        check(o) {
          expect(o.status).toBe(303);
          expect(o.headers.get("location")).toContain("/login?error=LoginLinkRefused");
          expect(o.headers.get("set-cookie") ?? "").not.toContain("session-token=");
        },
      };
    },
  },
  {
    id: "GET /api/badges/[...path]",
    need: "public",
    writes: false,
    async cell(w) {
      return {
        call: get(`/api/badges/${w.repoName}.svg`),
        check(o) {
          expect(o.status).toBe(200);
          expect(o.headers.get("content-type")).toContain("image/svg+xml");
        },
      };
    },
  },
  {
    id: "GET /api/builds/[id]/log.txt",
    need: "viewer",
    writes: false,
    async cell(w) {
      return { call: get(`/api/builds/${w.endedBuildId}/log.txt`), check: (o) => expect(o.status).toBe(200) };
    },
  },
  {
    id: "GET /api/builds/[id]/log",
    need: "viewer",
    writes: false,
    async cell(w) {
      return {
        call: get(`/api/builds/${w.endedBuildId}/log`),
        check(o) {
          expect(o.status).toBe(200);
          expect(o.headers.get("content-type")).toContain("text/event-stream");
        },
      };
    },
  },
  {
    id: "GET /api/deployments/[id]/log.txt",
    need: "viewer",
    writes: false,
    async cell(w) {
      return { call: get(`/api/deployments/${w.endedDeploymentId}/log.txt`), check: (o) => expect(o.status).toBe(200) };
    },
  },
  {
    id: "GET /api/deployments/[id]/log",
    need: "viewer",
    writes: false,
    async cell(w) {
      return {
        call: get(`/api/deployments/${w.endedDeploymentId}/log`),
        check(o) {
          expect(o.status).toBe(200);
          expect(o.headers.get("content-type")).toContain("text/event-stream");
        },
      };
    },
  },
  {
    id: "GET /api/health",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: get("/api/health"),
        check(o) {
          expect(o.status).toBe(200);
          expect(JSON.parse(o.text)).toMatchObject({ database: "ok" });
        },
      };
    },
  },
  {
    // not a session's: a bearer token or an allowed address (loopback by default, as here); everyone alike
    id: "GET /metrics",
    need: "public",
    writes: false,
    async cell() {
      return {
        call: get("/metrics"),
        check(o) {
          expect(o.status).toBe(200);
          expect(o.headers.get("content-type")).toContain("text/plain; version=0.0.4");
          // the world's ended build
          expect(o.text).toContain('slipway_builds{repository="matrix/www",app="",state="succeeded"}');
        },
      };
    },
  },
  {
    id: "GET /api/inventory/export",
    need: "viewer",
    writes: false,
    async cell(w) {
      return {
        call: get("/api/inventory/export"),
        check(o) {
          expect(o.status).toBe(200);
          expect(o.text).toContain(w.hostName);
        },
      };
    },
  },
  {
    // the whole inventory as exported, plus one secret: applied in one transaction
    id: "POST /api/inventory/import",
    need: "admin",
    writes: true,
    async cell(w) {
      const name = `MATRIX_IMPORTED_${w.next()}`;
      const doc = parse(await exportInventory(w.admin)) as { secrets?: unknown[] };
      doc.secrets = [...(doc.secrets ?? []), { name, scope: "global" }];
      return {
        call: { kind: "route", method: "POST", path: "/api/inventory/import", body: stringify(doc), headers: { "content-type": "text/yaml", "sec-fetch-site": "same-origin" } },
        async check(o) {
          expect(o.status, o.text).toBe(200);
          expect(await db().secret.count({ where: { name } })).toBe(1);
        },
      };
    },
  },
  {
    id: "GET /api/inventory/services.md",
    need: "viewer",
    writes: false,
    async cell() {
      return {
        call: get("/api/inventory/services.md"),
        check(o) {
          expect(o.status).toBe(200);
          expect(o.headers.get("content-type")).toContain("text/markdown");
        },
      };
    },
  },
  {
    id: "GET /api/releases/[id]/artifact",
    need: "viewer",
    writes: false,
    async cell(w) {
      return {
        call: get(`/api/releases/${w.artifactReleaseId}/artifact`),
        check(o) {
          expect(o.status, o.text.slice(0, 300)).toBe(200);
          expect(o.bytes).toBe(w.image.size);
        },
      };
    },
  },
  {
    id: "GET /api/releases/[id]/provenance",
    need: "viewer",
    writes: false,
    async cell(w) {
      return {
        call: get(`/api/releases/${w.signedReleaseId}/provenance`),
        check(o) {
          expect(o.status, o.text.slice(0, 300)).toBe(200);
          expect(o.headers.get("content-disposition")).toContain(`provenance-${w.signedReleaseId}.intoto.json`);
          expect(JSON.parse(o.text)).toMatchObject({ _type: "https://in-toto.io/Statement/v1", predicateType: "https://slsa.dev/provenance/v1" });
        },
      };
    },
  },
  {
    id: "GET /api/provenance-key",
    need: "viewer",
    writes: false,
    async cell() {
      return {
        call: get("/api/provenance-key"),
        check(o) {
          expect(o.status, o.text.slice(0, 300)).toBe(200);
          expect(o.headers.get("content-disposition")).toContain("slipway-provenance.pub");
          expect(o.text).toMatch(/^-----BEGIN PUBLIC KEY-----/);
        },
      };
    },
  },
  ...(["PUT", "POST"] as const).map(
    (method): Row => ({
      id: `${method} /api/users/[id]/role`,
      need: "admin",
      writes: true,
      async cell() {
        const u = await freshUser("viewer");
        return {
          call: { kind: "route", method, path: `/api/users/${u.id}/role`, body: JSON.stringify({ role: "operator" }), headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" } },
          async check(o) {
            expect(o.status, o.text).toBe(200);
            expect((await db().user.findUniqueOrThrow({ where: { id: u.id } })).role).toBe("operator");
          },
        };
      },
    }),
  ),
  {
    // GitHub signs its deliveries; an unsigned one is refused whoever sends it, and records nothing
    id: "POST /api/webhooks/github/[app]",
    need: "public",
    writes: false,
    async cell(w) {
      return {
        call: { kind: "route", method: "POST", path: `/api/webhooks/github/${w.appName}`, body: JSON.stringify({ zen: "matrix" }), headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "matrix-delivery" } },
        check(o) {
          expect(o.status).toBe(401);
        },
      };
    },
  },
];

