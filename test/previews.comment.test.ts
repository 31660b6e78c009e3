// The pull request's one comment about its preview (lib/services/previews/comment.ts syncPreviewComment) against
// a loopback stand-in of GitHub's REST API: a comment job that died after GitHub took its comment but before the
// id was saved does not post a second one (the next run finds it among the pull request's comments, past the first
// page too, and edits it); a comment by someone else that copies the marker is not Slipway's and is left alone.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { resetEnvCache } from "@/lib/env";
import { clearGithubClientCache } from "@/lib/github/app-client";
import { commentMarker, syncPreviewComment } from "@/lib/services/previews/comment";
import { saveApp, saveBuildRule, saveDeploymentRule, saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";

const APP_ID = 7272;
const INSTALLATION = 770002;
const REPO = "org/comments";
const keys = generateAppKeyPair();
let api: GithubApi;
let ruleId: string;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  resetEnvCache();
  clearGithubClientCache();
  api = await startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations: { [REPO]: INSTALLATION } });
  const a = actorFor(await createUser("admin"));
  await saveApp(a, { name: "gh-comments", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: "whsec-comments-0123456789" });
  const repositoryId = (await saveRepository(a, { repo: REPO, app: "gh-comments", url: "https://github.com/org/comments.git" })).id;
  await getDb().repository.update({ where: { id: repositoryId }, data: { installationId: BigInt(INSTALLATION) } });
  const buildRuleId = (await saveBuildRule(a, { repository_id: repositoryId, dockerfile: "Dockerfile" })).id;
  ruleId = (await saveDeploymentRule(a, { build_rule_id: buildRuleId, branch: "main", image: "127.0.0.1:5000/org/comments:main", preview: { url: "https://pr-{number}.preview.example.com" } })).id;
});

afterAll(async () => {
  await api?.stop();
});

let nextPr = 40;
async function preview() {
  const prNumber = nextPr++;
  return getDb().preview.create({
    data: {
      deploymentRuleId: ruleId, prNumber, headSha: randomBytes(20).toString("hex"), imageRepo: "127.0.0.1:5000/org/comments", tag: `pr-${prNumber}-abcdef0`,
      digest: `sha256:${randomBytes(32).toString("hex")}`, service: `comments-pr-${prNumber}`, state: "running", url: `https://pr-${prNumber}.preview.example.com`,
    },
  });
}
const posts = (pr: number) => api.commentCalls.filter((c) => c.method === "POST" && c.issueNumber === pr && c.status === 201);
const onPr = (pr: number) => [...api.comments.values()].filter((c) => c.issueNumber === pr);

describe("the preview's comment", () => {
  test("a job that died before saving the comment's id finds and edits it instead of posting a second", async () => {
    const p = await preview();
    expect(await syncPreviewComment(p.id, log)).toMatch(/^comment \d+ posted$/);
    const first = (await getDb().preview.findUniqueOrThrow({ where: { id: p.id } })).commentId;
    expect(first).not.toBeNull();
    // as if the job died between GitHub's answer and the update that saves the id
    await getDb().preview.update({ where: { id: p.id }, data: { commentId: null, state: "failed", reason: "the task exited" } });
    expect(await syncPreviewComment(p.id, log)).toBe(`comment ${first} (posted before its id was saved) found and edited`);
    expect(posts(p.prNumber)).toHaveLength(1);
    expect(onPr(p.prNumber)).toHaveLength(1);
    expect(onPr(p.prNumber)[0]!.body).toContain("the task exited");
    expect((await getDb().preview.findUniqueOrThrow({ where: { id: p.id } })).commentId).toBe(first);
  });

  test("it is found past the first page of a long conversation", async () => {
    const p = await preview();
    expect(await syncPreviewComment(p.id, log)).toMatch(/posted$/);
    const ours = (await getDb().preview.findUniqueOrThrow({ where: { id: p.id } })).commentId!;
    // 150 comments by reviewers come before Slipway's (it gets a later id): it is on the second page of 100
    const mine = api.comments.get(Number(ours))!;
    api.comments.delete(Number(ours));
    for (let i = 0; i < 150; i++) {
      const id = 1_950_000_000 + p.prNumber * 1000 + i;
      api.comments.set(id, { id, owner: "org", repo: "comments", issueNumber: p.prNumber, body: `looks good ${i}`, created_at: mine.created_at, updated_at: mine.updated_at, author: "reviewer" });
    }
    const laterId = 1_960_000_000 + p.prNumber;
    api.comments.set(laterId, { ...mine, id: laterId });
    await getDb().preview.update({ where: { id: p.id }, data: { commentId: null } });
    const before = api.commentCalls.length;
    expect(await syncPreviewComment(p.id, log)).toBe(`comment ${laterId} (posted before its id was saved) found and edited`);
    const reads = api.commentCalls.slice(before).filter((c) => c.method === "GET");
    expect(reads.length).toBe(2);
    expect(posts(p.prNumber)).toHaveLength(1);
  });

  test("a comment by someone else that holds the marker is not Slipway's: a new one is posted, theirs left as it was", async () => {
    const p = await preview();
    const forged = 1_970_000_000 + p.prNumber;
    const body = `${commentMarker(p.id)}\nnot from Slipway`;
    api.comments.set(forged, { id: forged, owner: "org", repo: "comments", issueNumber: p.prNumber, body, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), author: "mallory" });
    expect(await syncPreviewComment(p.id, log)).toMatch(/^comment \d+ posted$/);
    expect(api.comments.get(forged)!.body).toBe(body);
    expect(posts(p.prNumber)).toHaveLength(1);
    expect((await getDb().preview.findUniqueOrThrow({ where: { id: p.id } })).commentId).not.toBe(BigInt(forged));
  });
});
