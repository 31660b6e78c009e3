// workers/tasks/github-event.ts: an accepted GitHub delivery moves the branch or pull-request head it reports.
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

beforeAll(async () => {
  const admin = await createUser("admin");
  await saveApp(actorFor(admin), { name: "tarides" });
  repositoryId = (await saveRepository(actorFor(admin), { repo: "ocurrent/site", app: "tarides" })).id;
});

const heads = async () =>
  (await getDb().ref.findMany({ where: { repositoryId }, orderBy: { name: "asc" } })).map((r) => [r.name, r.headSha, r.closedAt === null]);

test("push, pull request, branch deletion and PR close move and close the refs; a create without a commit changes nothing", async () => {
  await githubEvent({ deliveryId: "d1", repositoryId, kind: "push", branch: "live", headSha: sha("a") }, ctx);
  await githubEvent({ deliveryId: "d2", repositoryId, kind: "pull_request", prNumber: 4, branch: "fix", headSha: sha("b"), title: "Fix", author: "bob" }, ctx);
  await githubEvent({ deliveryId: "d3", repositoryId, kind: "push", branch: "new-branch" }, ctx);
  expect(await heads()).toEqual([
    ["live", sha("a"), true],
    ["pull/4/head", sha("b"), true],
  ]);
  await githubEvent({ deliveryId: "d4", repositoryId, kind: "branch_deleted", branch: "live" }, ctx);
  await githubEvent({ deliveryId: "d5", repositoryId, kind: "pr_closed", prNumber: 4 }, ctx);
  expect(await heads()).toEqual([
    ["live", sha("a"), false],
    ["pull/4/head", sha("b"), false],
  ]);
});
