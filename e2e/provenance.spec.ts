// Signed provenance in the console: a release whose statement Slipway signed shows its provenance (subject,
// source, commit, builder, times, key id, the attestation in the registry) and how its last deployment's
// check ended, and its statement downloads as JSON; Settings → Provenance key shows the public key the e2e
// server generated at its first start, with its key id, and downloads it as slipway-provenance.pub.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";
import { buildStatement } from "@/lib/provenance/statement";

const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;

async function shot(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name}: the page scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

/** A release as the build runner records it: with its signed statement, and a deployment whose check verified it. */
async function seed(keyId: string): Promise<{ releaseId: string; digest: string; sha: string; image: string }> {
  const ids = { repo: id(), rule: id(), deploy: id(), commit: id(), build: id(), release: id(), target: id(), deployment: id() };
  const name = `prov/site-${ids.repo.slice(3, 9)}`;
  const image = `registry.example.test/${name}`;
  const sha = randomBytes(20).toString("hex");
  const digest = `sha256:${randomBytes(32).toString("hex")}`;
  await query("INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, updated_at) VALUES ($1, $2, 'git', $3, 'main', 86400, now())", [ids.repo, name, `https://git.example.test/${name}.git`]);
  await query("INSERT INTO build_rules (id, repository_id, name, kind, dockerfile, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', 'Dockerfile', now())", [ids.rule, ids.repo]);
  await query("INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at) VALUES ($1, $2, 'live', $3, now())", [ids.deploy, ids.rule, `${image}:live`]);
  await query("INSERT INTO commits (id, repository_id, sha, message, author) VALUES ($1, $2, $3, 'Sign every release', 'dev')", [ids.commit, ids.repo, sha]);
  await query(
    "INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', 'poll', now() - interval '5 minutes', now() - interval '5 minutes', now() - interval '2 minutes', now())",
    [ids.build, ids.rule, ids.commit],
  );
  await query("INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest) VALUES ($1, $2, $3, $4, 'live', $5)", [ids.release, ids.build, ids.deploy, image, digest]);
  const statement = buildStatement({
    slipwayUrl: process.env.E2E_BASE_URL ?? "http://127.0.0.1:3900", slipwayVersion: "0.1.0", buildId: ids.build, imageRepo: image, digest, tag: "live", artifact: null,
    repository: { name, url: `https://git.example.test/${name}.git` }, ref: "refs/heads/live", commitSha: sha,
    rule: { name: "Dockerfile", kind: "docker", dockerfile: "Dockerfile", context: "", unikernelTarget: null }, buildArgs: { MODE: "production" }, buildSecretNames: ["NPM_TOKEN"], secretValues: [],
    platforms: ["linux/amd64"], startedOn: new Date(Date.now() - 5 * 60_000), finishedOn: new Date(Date.now() - 2 * 60_000),
  });
  const hex = digest.slice(7);
  await query("INSERT INTO release_provenance (release_id, key_id, statement, envelope, attestation_ref, attestation_digest) VALUES ($1, $2, $3, '{}', $4, $5)", [
    ids.release, keyId, JSON.stringify(statement), `${image}:sha256-${hex}.att`, `sha256:${randomBytes(32).toString("hex")}`,
  ]);
  await query("INSERT INTO targets (id, deployment_rule_id, name, kind, service, current_release_id, updated_at) VALUES ($1, $2, $3, 'swarm_service', 'site_web', $4, now())", [ids.target, ids.deploy, `prov-${ids.target.slice(3, 9)}`, ids.release]);
  await query(
    "INSERT INTO deployments (id, target_id, release_id, state, started_at, finished_at, provenance_check, provenance_detail, updated_at) VALUES ($1, $2, $3, 'succeeded', now() - interval '90 seconds', now() - interval '60 seconds', 'verified', $4, now())",
    [ids.deployment, ids.target, ids.release, `signed with key ${keyId} for ${image}@${digest} (builder ${statement.predicate.runDetails.builder.id})`],
  );
  return { releaseId: ids.release, digest, sha, image };
}

test("the release page shows its signed provenance and last check; Settings shows and downloads the public key", async ({ page }) => {
  const keys = await query<{ key_id: string; public_key_pem: string }>("SELECT key_id, public_key_pem FROM provenance_keys WHERE retired_at IS NULL");
  expect(keys, "the server made its provenance key at its first start").toHaveLength(1);
  const key = keys[0]!;
  const r = await seed(key.key_id);
  await signInWithGitHub(page, "alice");

  await page.goto(`/releases/${r.releaseId}`);
  const panel = page.getByRole("region", { name: "Provenance" });
  await expect(panel).toBeVisible();
  await expect(panel.getByText(`${r.image}@${r.digest}`, { exact: true })).toBeVisible();
  await expect(panel.getByText(r.sha, { exact: true })).toBeVisible();
  await expect(panel.getByText(key.key_id, { exact: true })).toBeVisible();
  await expect(panel.getByText(/\/builder$/)).toBeVisible();
  await expect(panel.getByText("Verified", { exact: true })).toBeVisible();
  await expect(panel.getByText(`${r.image}:sha256-${r.digest.slice(7)}.att`)).toBeVisible();
  await shot(page, "provenance-release");
  const [statementDownload] = await Promise.all([page.waitForEvent("download"), panel.getByRole("link", { name: "Download the statement (JSON)" }).click()]);
  expect(statementDownload.suggestedFilename()).toBe(`provenance-${r.releaseId}.intoto.json`);
  const statement = JSON.parse(readFileSync(await statementDownload.path(), "utf8")) as { _type: string; subject: Array<{ digest: { sha256: string } }> };
  expect(statement._type).toBe("https://in-toto.io/Statement/v1");
  expect(statement.subject[0]!.digest.sha256).toBe(r.digest.slice(7));

  await page.goto("/settings/provenance-key");
  await expect(page.getByRole("heading", { name: "Provenance key", level: 1 })).toBeVisible();
  await expect(page.getByText(key.key_id, { exact: true })).toBeVisible();
  await expect(page.getByText(/-----BEGIN PUBLIC KEY-----/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy the provenance public key" })).toBeVisible();
  expect(await page.content(), "the private half never reaches the browser").not.toContain("PRIVATE KEY");
  await shot(page, "provenance-settings-key");
  const [keyDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download slipway-provenance.pub" }).click()]);
  expect(keyDownload.suggestedFilename()).toBe("slipway-provenance.pub");
  expect(readFileSync(await keyDownload.path(), "utf8")).toBe(key.public_key_pem);
});
