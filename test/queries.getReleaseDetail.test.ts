// The release page's read model against the real database: a unikernel release with its file (size as a
// number, the download name from its targets' service), its targets (running it, pinned to it) and its
// deployments newest first; a docker release has no file; an unknown id is null.
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { getReleaseDetail } from "@/lib/queries/release-detail";
import { artifactDownloadName } from "@/lib/validation/releases";

let n = 0;

async function seed(kind: "unikernel" | "docker") {
  n++;
  const db = getDb();
  const repo = await db.repository.create({ data: { name: `mirage/mirage-www${n}`, provider: "git", url: `https://git.example.test/www${n}.git` } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: kind === "unikernel" ? "hvt" : "Dockerfile", kind, unikernelTarget: kind === "unikernel" ? "hvt" : null } });
  const deployRule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "master", image: "127.0.0.1:5000/mirage/www:live-hvt" } });
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: `${n}`.padStart(40, "a"), message: "Blog: new post\n\nbody", pushedBy: "bob" } });
  const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "poll" } });
  const release = await db.release.create({
    data: {
      buildId: build.id, deploymentRuleId: deployRule.id, imageRepo: "127.0.0.1:5000/mirage/www", tag: `live-hvt-${commit.sha.slice(0, 12)}`, digest: `sha256:${"d".repeat(64)}`,
      ...(kind === "unikernel" ? { artifactPath: "/unikernel.hvt", artifactSha256: "e".repeat(64), artifactSize: BigInt(5_242_880), artifactTarget: "hvt" as const } : {}),
    },
  });
  const running = await db.target.create({ data: { deploymentRuleId: deployRule.id, name: `host/www${n}`, kind: "unikernel", service: "www", currentReleaseId: release.id, pinnedReleaseId: release.id } });
  const other = await db.target.create({ data: { deploymentRuleId: deployRule.id, name: `host/www${n}-staging`, kind: "unikernel", service: "www" } });
  const first = await db.deployment.create({ data: { targetId: running.id, releaseId: release.id, state: "succeeded", trigger: "release", createdAt: new Date(Date.now() - 60_000), finishedAt: new Date() } });
  const second = await db.deployment.create({ data: { targetId: other.id, releaseId: release.id, state: "failed", trigger: "manual", reason: "the unit did not start" } });
  return { release, commit, running, other, first, second, repo };
}

describe("getReleaseDetail", () => {
  test("a unikernel release: its file, targets and deployments", async () => {
    const s = await seed("unikernel");
    const r = await getReleaseDetail(s.release.id);
    expect(r).toMatchObject({
      id: s.release.id,
      repository: { id: s.repo.id, name: s.repo.name },
      buildRule: { name: "hvt", kind: "unikernel" },
      branch: "master",
      commit: { sha: s.commit.sha, pushedBy: "bob" },
      image: { repo: "127.0.0.1:5000/mirage/www", digest: `sha256:${"d".repeat(64)}` },
      artifact: { target: "hvt", path: "/unikernel.hvt", sha256: "e".repeat(64), size: 5_242_880, downloadName: `www-${s.commit.sha.slice(0, 12)}.hvt` },
    });
    expect(r!.targets).toEqual([
      { id: s.running.id, name: s.running.name, kind: "unikernel", service: "www", current: true, pinned: true },
      { id: s.other.id, name: s.other.name, kind: "unikernel", service: "www", current: false, pinned: false },
    ]);
    expect(r!.deployments.map((d) => [d.id, d.state, d.target.name, d.reason])).toEqual([
      [s.second.id, "failed", s.other.name, "the unit did not start"],
      [s.first.id, "succeeded", s.running.name, null],
    ]);
  });

  test("a docker release has no file; an unknown id is null", async () => {
    const s = await seed("docker");
    expect((await getReleaseDetail(s.release.id))!.artifact).toBeNull();
    expect(await getReleaseDetail("no-such-release")).toBeNull();
    expect(await getReleaseDetail("x".repeat(65))).toBeNull();
  });
});

describe("artifactDownloadName", () => {
  test("the service when the targets agree on one, else the repository's name; only safe characters", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(artifactDownloadName({ services: ["www", "www"], repository: "mirage/mirage-www", commitSha: sha, target: "hvt" })).toBe("www-0123456789ab.hvt");
    expect(artifactDownloadName({ services: ["www", "blog"], repository: "mirage/mirage-www", commitSha: sha, target: "xen" })).toBe("mirage-www-0123456789ab.xen");
    expect(artifactDownloadName({ services: [], repository: "https://git.example.org/a b/\"evil\";.git", commitSha: sha, target: "hvt" })).toBe("evil-0123456789ab.hvt");
  });
});
