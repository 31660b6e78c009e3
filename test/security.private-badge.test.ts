// Regression test for `private-badge` (issue 13, item 23): the public status badge answered for private
// repositories, confirming their names and branches. A GitHub repository's badge now answers only when
// GitHub says it is public (learned from every webhook's repository.private), or when an admin turned it on
// for that repository (audited); otherwise "unknown", exactly as for a repository that does not exist.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { GET } from "@/app/api/badges/[...path]/route";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { setPrivateBadge } from "@/lib/services/inventory/badges";
import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { ForbiddenError } from "@/lib/errors";
import { actorFor, createUser, writableState, type TestUser } from "@/test/helpers/fixtures";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";

const SECRET = "whsec-private-badge-0123456789";
const REPO = "tarides-test/secret-site";
let admin: TestUser;
let repoId: string;

async function word(path: string): Promise<string | undefined> {
  const url = new URL(`http://localhost/api/badges/${path}`);
  const res = await GET(new Request(url), { params: Promise.resolve({ path: url.pathname.replace(/^\/api\/badges\//, "").split("/") }) });
  expect(res.status).toBe(200);
  return (await res.text()).match(/aria-label="build: (\w+)"/)?.[1];
}

async function deliver(isPrivate: boolean | undefined) {
  const payload = forRepository(examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false), REPO);
  const repository = payload.repository as Record<string, unknown>;
  if (isPrivate === undefined) delete repository.private;
  else repository.private = isPrivate;
  const raw = JSON.stringify(payload);
  const res = await receiveGithubWebhook({ appName: "tarides", headers: deliveryHeaders("push", randomUUID(), sign(SECRET, raw)), body: new TextEncoder().encode(raw) });
  expect(res.status).toBe(202);
}

beforeAll(async () => {
  admin = await createUser("admin");
  await saveApp(actorFor(admin), { name: "tarides", webhook_secret: SECRET });
  repoId = (await saveRepository(actorFor(admin), { repo: REPO, app: "tarides" })).id;
  const db = getDb();
  const rule = await db.buildRule.create({ data: { repositoryId: repoId, name: "Dockerfile", kind: "docker" } });
  const commit = await db.commit.create({ data: { repositoryId: repoId, sha: "a".repeat(40) } });
  await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "webhook", state: "succeeded" } });
  await db.ref.create({ data: { repositoryId: repoId, kind: "branch", name: "main", headSha: commit.sha } });
  await db.ref.create({ data: { repositoryId: repoId, kind: "branch", name: "embargoed-fix", headSha: commit.sha } });
});

describe("private-badge", () => {
  test("a GitHub repository whose privacy is not known yet answers like one that does not exist", async () => {
    expect(await word(`${REPO}.svg`)).toBe("unknown");
    expect(await word(`${REPO}.svg?branch=embargoed-fix`)).toBe("unknown");
    expect(await word("tarides-test/no-such-repo.svg")).toBe("unknown");
  });

  test("a webhook saying private: stored, and the badge stays unknown for every branch", async () => {
    await deliver(true);
    expect((await getDb().repository.findUniqueOrThrow({ where: { id: repoId } })).isPrivate).toBe(true);
    expect(await word(`${REPO}.svg`)).toBe("unknown");
    expect(await word(`${REPO}.svg?branch=embargoed-fix`)).toBe("unknown");
    await deliver(undefined); // a payload without the field changes nothing
    expect((await getDb().repository.findUniqueOrThrow({ where: { id: repoId } })).isPrivate).toBe(true);
  });

  test("only an admin can show it: viewers and operators are refused and nothing changes", async () => {
    for (const role of ["viewer", "operator"] as const) {
      const actor = actorFor(await createUser(role));
      const before = await writableState();
      const err = await setPrivateBadge(actor, { repository_id: repoId, show: "true" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ForbiddenError);
      expect(await writableState()).toEqual(before);
    }
    expect(await word(`${REPO}.svg`)).toBe("unknown");
  });

  test("an admin turns it on (audited): the badge shows the state; off again: unknown", async () => {
    const on = await setPrivateBadge(actorFor(admin), { repository_id: repoId, show: "true" });
    expect(on).toEqual({ changed: true, show: true, repository: REPO });
    expect(await word(`${REPO}.svg`)).toBe("passing");
    const event = await getDb().auditEvent.findFirstOrThrow({ where: { action: "repository.badge_changed", subjectId: repoId }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ subjectType: "repository", before: { private_badge: false, is_private: true }, after: { private_badge: true, is_private: true } });
    expect(event.summary).toContain(REPO);

    expect((await setPrivateBadge(actorFor(admin), { repository_id: repoId, show: "true" })).changed).toBe(false);
    await setPrivateBadge(actorFor(admin), { repository_id: repoId, show: "false" });
    expect(await word(`${REPO}.svg`)).toBe("unknown");
    expect(await getDb().auditEvent.count({ where: { action: "repository.badge_changed", subjectId: repoId } })).toBe(2);
  });

  test("a webhook saying public: the badge answers without any switch", async () => {
    await deliver(false);
    expect((await getDb().repository.findUniqueOrThrow({ where: { id: repoId } })).isPrivate).toBe(false);
    expect(await word(`${REPO}.svg`)).toBe("passing");
    await deliver(true); // made private again on GitHub: off from that delivery on
    expect(await word(`${REPO}.svg`)).toBe("unknown");
  });
});
