// A build, and a deployment of a release of it, inserted as the engine records them (no audit events): rows
// for tests of logs and of the pages that show them.
import { getDb } from "@/lib/db";

/** A build of a fresh repository's Dockerfile rule, started now. */
export async function seedBuild(state: "building" | "succeeded" = "building") {
  const db = getDb();
  const n = Math.random().toString(36).slice(2, 8);
  const repo = await db.repository.create({ data: { name: `acme/log-${n}`, provider: "git", url: `https://git.example.test/acme/log-${n}.git` } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: "c".repeat(40) } });
  return db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "webhook", state, startedAt: new Date() } });
}

/** A deployment of a release of a (succeeded) build to a swarm service target, started now. */
export async function seedDeployment(state: "verifying" | "rolled_back" | "deploying" | "queued" = "verifying") {
  const db = getDb();
  const b = await seedBuild("succeeded");
  const rule = await db.deploymentRule.create({ data: { buildRuleId: b.buildRuleId, branch: `live-${b.id}` } });
  const target = await db.target.create({ data: { deploymentRuleId: rule.id, name: `t-${b.id}`, kind: "swarm_service", service: "web" } });
  const release = await db.release.create({ data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: rule.id, imageRepo: "127.0.0.1:5000/web", tag: "live", digest: `sha256:${"d".repeat(64)}` } });
  return db.deployment.create({ data: { targetId: target.id, releaseId: release.id, state, startedAt: new Date() } });
}
