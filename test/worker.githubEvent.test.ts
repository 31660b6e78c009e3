// workers/tasks/github-event.ts: an accepted GitHub delivery moves the branch or pull-request head it reports,
// in receipt order (an older delivery that arrives late changes nothing and is recorded stale), schedules
// the builds of what moved and cancels the queued builds of what closed, in one transaction.
import { beforeAll, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { githubEvent } from "@/workers/tasks/github-event";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import type { TaskContext } from "@/workers/tasks/types";

const ctx = { workerId: "test", log, helpers: {} } as unknown as TaskContext; // the handler uses only log
const sha = (c: string) => c.repeat(40);
let repositoryId: string;
let appId: string;

beforeAll(async () => {
  const admin = await createUser("admin");
  appId = (await saveApp(actorFor(admin), { name: "tarides" })).id;
  repositoryId = (await saveRepository(actorFor(admin), { repo: "ocurrent/site", app: "tarides" })).id;
  await getDb().buildRule.create({ data: { repositoryId, name: "Dockerfile", kind: "docker" } });
});

const heads = async () =>
  (await getDb().ref.findMany({ where: { repositoryId }, orderBy: { name: "asc" } })).map((r) => [r.name, r.headSha, r.closedAt === null]);

/** Builds by the ref they serve and the commit they build, with their state. */
const builds = async () =>
  (
    await getDb().build.findMany({ where: { buildRule: { repositoryId } }, include: { commit: true, refs: { include: { ref: true } } }, orderBy: { queuedAt: "asc" } })
  ).map((b) => [b.refs.map((r) => r.ref.name).join(","), b.commit.sha, b.state, b.trigger]);

/** A delivery row as the receiver records it; its id is the receipt order the job carries as `seq`. */
async function delivery(deliveryId: string, branch: string): Promise<number> {
  const row = await getDb().webhookDelivery.create({ data: { deliveryId, appId, repositoryId, event: "push", status: "accepted", refKind: "branch", refName: branch } });
  return Number(row.id);
}

test("push, pull request, branch deletion and PR close move and close the refs, build what moved and cancel what closed; a create without a commit changes nothing", async () => {
  await githubEvent({ deliveryId: "d1", repositoryId, kind: "push", branch: "live", headSha: sha("a"), author: "alice" }, ctx);
  await githubEvent({ deliveryId: "d2", repositoryId, kind: "pull_request", prNumber: 4, branch: "fix", headSha: sha("b"), title: "Fix", author: "bob" }, ctx);
  await githubEvent({ deliveryId: "d3", repositoryId, kind: "push", branch: "new-branch" }, ctx);
  expect(await heads()).toEqual([
    ["live", sha("a"), true],
    ["pull/4/head", sha("b"), true],
  ]);
  expect(await builds()).toEqual([
    ["live", sha("a"), "queued", "webhook"],
    ["pull/4/head", sha("b"), "queued", "webhook"],
  ]);
  // who pushed a commit may not approve its deployment: the push records its author
  const pushed = await getDb().commit.findFirstOrThrow({ where: { repositoryId, sha: sha("a") } });
  expect(pushed.pushedBy).toBe("alice");
  const pr = await getDb().ref.findFirstOrThrow({ where: { repositoryId, name: "pull/4/head" } });
  expect([pr.kind, pr.prNumber, pr.prTitle, pr.prAuthor]).toEqual(["pull_request", 4, "Fix", "bob"]);

  await githubEvent({ deliveryId: "d4", repositoryId, kind: "branch_deleted", branch: "live" }, ctx);
  await githubEvent({ deliveryId: "d5", repositoryId, kind: "pr_closed", prNumber: 4 }, ctx);
  expect(await heads()).toEqual([
    ["live", sha("a"), false],
    ["pull/4/head", sha("b"), false],
  ]);
  expect(await builds()).toEqual([
    ["live", sha("a"), "cancelled", "webhook"],
    ["pull/4/head", sha("b"), "cancelled", "webhook"],
  ]);
});

test("deliveries apply in receipt order: one received earlier but run later is recorded stale and moves nothing", async () => {
  const older = await delivery("o1", "main");
  const newer = await delivery("o2", "main");
  await githubEvent({ deliveryId: "o2", seq: newer, repositoryId, kind: "push", branch: "main", headSha: sha("d") }, ctx);
  await githubEvent({ deliveryId: "o1", seq: older, repositoryId, kind: "push", branch: "main", headSha: sha("c") }, ctx);
  const main = await getDb().ref.findFirstOrThrow({ where: { repositoryId, name: "main" } });
  expect(main.headSha).toBe(sha("d"));
  const statuses = await getDb().webhookDelivery.findMany({ where: { id: { in: [BigInt(older), BigInt(newer)] } }, orderBy: { id: "asc" } });
  expect(statuses.map((d) => [d.deliveryId, d.status])).toEqual([
    ["o1", "stale"],
    ["o2", "applied"],
  ]);
  expect(statuses[0]!.reason).toBeTruthy();
  // only the newer head was built
  const mainBuilds = (await builds()).filter(([ref]) => ref === "main");
  expect(mainBuilds).toEqual([["main", sha("d"), "queued", "webhook"]]);
});
