// The channel event build.failed (offered under Settings → Notifications) is sent: a build that fails
// enqueues one build_notify job in the same transaction, and its handler posts to the channels subscribed to
// build.failed (the Slack stand-in on loopback), not to the others; builds that end otherwise post nothing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { saveChannel } from "@/lib/services/inventory/entities";
import { enqueueBuildFollowUps } from "@/lib/services/builds/schedule";
import { buildNotify } from "@/workers/tasks/builds";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { startSlackStandIn, type SlackStandIn } from "@/test/helpers/slack";
import type { TaskContext } from "@/workers/tasks/types";

const ctx = { workerId: "test", log: log.child({}), helpers: {} } as unknown as TaskContext; // the handler uses log and abortSignal
let slack: SlackStandIn;
let ruleId: string;
let refId: string;

beforeAll(async () => {
  slack = await startSlackStandIn();
  const admin = await createUser("admin");
  await saveChannel(actorFor(admin), { name: "builds", events: ["build.failed"], url: slack.url("T1/B1/buildsbuildsbuildsbuilds") });
  await saveChannel(actorFor(admin), { name: "deploys", events: ["deployment.failed"], url: slack.url("T2/B2/deploysdeploysdeploysde") });
  const db = getDb();
  const repo = await db.repository.create({ data: { name: "acme/web", provider: "git", url: "https://github.com/acme/web.git" } });
  ruleId = (await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } })).id;
  refId = (await db.ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "live", headSha: "a".repeat(40) } })).id;
});
afterAll(async () => {
  await slack?.close();
});

/** A running build of a fresh commit, then ended in `state` the way the engine ends it: row update + follow-ups in one transaction. */
async function endBuild(state: "failed" | "succeeded" | "cancelled", sha: string, reason: string | null): Promise<string> {
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: (await db.buildRule.findUniqueOrThrow({ where: { id: ruleId } })).repositoryId, sha, message: "Use the new header\n\nbody" } });
  const build = await db.build.create({ data: { buildRuleId: ruleId, commitId: commit.id, trigger: "webhook", state: "building", refs: { create: { refId } } } });
  await db.$transaction(async (tx) => {
    await tx.build.update({ where: { id: build.id }, data: { state, reason, finishedAt: new Date() } });
    await enqueueBuildFollowUps(tx, build.id, false);
  });
  return build.id;
}

const notifyJobs = async (buildId: string) =>
  getDb().$queryRaw<{ key: string | null }[]>`
    SELECT j.key FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = 'build_notify' AND j.payload->>'buildId' = ${buildId}`;

describe("build.failed", () => {
  test("a failed build enqueues one build_notify job, and its handler posts to the build.failed channel only", async () => {
    const id = await endBuild("failed", "b".repeat(40), "the Dockerfile's RUN step exited with status 2");
    expect(await notifyJobs(id)).toEqual([{ key: `build_notify:${id}` }]);

    await buildNotify({ buildId: id }, ctx);
    expect(slack.messages.map((m) => m.hook)).toEqual(["T1/B1/buildsbuildsbuildsbuilds"]);
    const m = slack.messages[0]!;
    expect(m.text).toBe(`Build of acme/web@${"b".repeat(12)} (live) failed: the Dockerfile's RUN step exited with status 2`);
    const blocks = JSON.stringify(m.blocks);
    expect(blocks).toContain(":x: *Build of <https://github.com/acme/web/commit/" + "b".repeat(40));
    expect(blocks).toContain(`/builds/${id}|Open the build in Slipway>`);
    expect(blocks).not.toContain("*Target*");
  });

  test("builds that succeed or are cancelled enqueue no build_notify job and post nothing", async () => {
    const before = slack.messages.length;
    const ok = await endBuild("succeeded", "c".repeat(40), null);
    const stopped = await endBuild("cancelled", "d".repeat(40), "cancelled: live was deleted");
    expect(await notifyJobs(ok)).toEqual([]);
    expect(await notifyJobs(stopped)).toEqual([]);
    // a stray job for a build that did not fail says nothing
    await buildNotify({ buildId: ok }, ctx);
    expect(slack.messages.length).toBe(before);
  });
});
