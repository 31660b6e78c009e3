// GET /api/badges/<repository>.svg?branch=: the state of the branch's head over every build rule's latest
// attempt, as an SVG anyone may fetch; unknown repositories and branches get an "unknown" badge (200).
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { GET } from "@/app/api/badges/[...path]/route";
import { badgeStatusOf } from "@/lib/queries/badges";

type State = "queued" | "fetching" | "building" | "pushing" | "succeeded" | "failed" | "cancelled" | "superseded";

let repoId: string;
let rules: string[];

async function commitWith(sha: string, states: (State | null)[]) {
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: repoId, sha } });
  for (const [i, state] of states.entries()) if (state) await db.build.create({ data: { buildRuleId: rules[i]!, commitId: commit.id, trigger: "webhook", state } });
  return commit;
}

async function branch(name: string, sha: string, closed = false) {
  await getDb().ref.create({ data: { repositoryId: repoId, kind: "branch", name, headSha: sha, closedAt: closed ? new Date() : null } });
}

async function badge(path: string) {
  const url = new URL(`http://localhost/api/badges/${path}`);
  const segments = url.pathname.replace(/^\/api\/badges\//, "").split("/");
  const res = await GET(new Request(url), { params: Promise.resolve({ path: segments }) });
  const body = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control"), body, word: body.match(/aria-label="build: (\w+)"/)?.[1] };
}

beforeAll(async () => {
  const db = getDb();
  const repo = await db.repository.create({ data: { name: "acme/site", provider: "git", url: "https://git.example.test/acme/site.git", defaultBranch: "main" } });
  repoId = repo.id;
  rules = [];
  for (const [position, name] of ["Dockerfile", "hvt"].entries()) rules.push((await db.buildRule.create({ data: { repositoryId: repo.id, name, kind: "docker", position } })).id);

  await commitWith("a".repeat(40), ["succeeded", "succeeded"]);
  await branch("main", "a".repeat(40));
  await commitWith("b".repeat(40), ["succeeded", "failed"]);
  await branch("broken", "b".repeat(40));
  await commitWith("c".repeat(40), ["building", "succeeded"]);
  await branch("busy", "c".repeat(40));
  await commitWith("d".repeat(40), ["cancelled", "succeeded"]);
  await branch("stopped", "d".repeat(40));
  await commitWith("e".repeat(40), [null, null]);
  await branch("unbuilt", "e".repeat(40));
  await branch("deleted", "a".repeat(40), true);
  // a rebuild that passed after a failure: the latest attempt counts
  const commit = await commitWith("f".repeat(40), ["failed", "succeeded"]);
  await db.build.create({ data: { buildRuleId: rules[0]!, commitId: commit.id, trigger: "rerun", state: "succeeded", attempt: 2 } });
  await branch("fixed", "f".repeat(40));

  // a plain git repository with a one-segment name
  const plain = await db.repository.create({ data: { name: "website", provider: "git", url: "https://git.example.test/website.git", defaultBranch: "master" } });
  const rule = await db.buildRule.create({ data: { repositoryId: plain.id, name: "Dockerfile", kind: "docker" } });
  const c = await db.commit.create({ data: { repositoryId: plain.id, sha: "1".repeat(40) } });
  await db.build.create({ data: { buildRuleId: rule.id, commitId: c.id, trigger: "poll", state: "failed" } });
  await db.ref.create({ data: { repositoryId: plain.id, kind: "branch", name: "master", headSha: c.sha } });
});

describe("GET /api/badges/<repository>.svg", () => {
  test("the default branch's head, every rule succeeded: passing, as a no-cache SVG", async () => {
    const r = await badge("acme/site.svg");
    expect(r).toMatchObject({ status: 200, type: "image/svg+xml; charset=utf-8", cache: "no-cache", word: "passing" });
    expect(r.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20"/);
    expect(r.body).toContain(">passing</text>");
    expect((await badge("acme/site.svg?branch=main")).word).toBe("passing");
  });

  test.each([
    ["broken", "failing"],
    ["busy", "running"],
    ["stopped", "cancelled"],
    ["unbuilt", "unknown"],
    ["deleted", "unknown"],
    ["fixed", "passing"],
    ["no-such-branch", "unknown"],
  ])("branch %s is %s", async (name, word) => {
    const r = await badge(`acme/site.svg?branch=${encodeURIComponent(name)}`);
    expect(r.status).toBe(200);
    expect(r.word).toBe(word);
  });

  test("an unknown repository is an unknown badge (200, README-friendly), revealing nothing", async () => {
    const r = await badge("someone/else.svg");
    expect(r).toMatchObject({ status: 200, word: "unknown" });
    expect(r.body).not.toContain("someone");
  });

  test("a plain git repository's one-segment name", async () => {
    expect((await badge("website.svg")).word).toBe("failing");
  });

  test("an address without .svg is a 404 that says the form", async () => {
    const r = await badge("acme/site");
    expect(r.status).toBe(404);
    expect(r.body).toContain("/api/badges/<owner>/<repo>.svg");
  });

  test("badgeStatusOf: failing beats running beats cancelled", () => {
    expect(badgeStatusOf([])).toBe("unknown");
    expect(badgeStatusOf(["building", "failed"])).toBe("failing");
    expect(badgeStatusOf(["queued", "cancelled"])).toBe("running");
    expect(badgeStatusOf(["succeeded", "superseded"])).toBe("cancelled");
    expect(badgeStatusOf(["succeeded"])).toBe("passing");
  });
});
