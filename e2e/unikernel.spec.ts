// A unikernel from push to rollback, in Chromium, with real parts: a git repository shaped like mirage-www
// (FROM scratch, the kernel picked by ARG TARGET), built on the e2e server's dockerd for hvt and xen and pushed
// to its registry, and a unikernel host: a second sshd (pinned host keys, the deployer key) whose sessions find
// a stand-in systemctl that boots the deployed file in QEMU (e2e/support/serve.ts hands it over as E2E_UNIKERNEL).
//
// The admin checks the host before the first deploy (every item ✓). A push to master (a new commit, then the
// poll a cron tick would enqueue) builds hvt and xen; the hvt release deploys; the target page shows the file
// and its sha256, the release page offers the file for download (checked against the sha256). A second push
// deploys v2; one click (and a confirmation) rolls back to v1 and pins the target. On the host, `current` names
// v1's file and the QEMU the stand-in started printed v1.
import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { test, expect, type Page } from "@playwright/test";
import type { E2EUnikernel } from "./support/serve";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";
import { commitFiles } from "@/test/helpers/git-server";
import { unikernelHostAt } from "@/test/helpers/unikernel";

const uk = JSON.parse(process.env.E2E_UNIKERNEL ?? "null") as E2EUnikernel | null;
const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
const short = (s: string) => s.slice(0, 7);
const TARGET = "unikernel-host/www";
const SERVICE = "www";

/** A full-page screenshot, after checking that nothing on the page is wider than the 1280 px window. */
async function shot(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name}: the page scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

interface Seeded {
  repositoryId: string;
  targetId: string;
  rules: { hvt: string; xen: string };
}

/** The inventory an admin would enter: build host, registry, the host with its pinned keys, mirage-www with hvt and xen, a systemd target. */
async function seed(u: E2EUnikernel): Promise<Seeded> {
  const hostId = id();
  const registryId = id();
  const repositoryId = id();
  const targetId = id();
  const rules = { hvt: id(), xen: id() };
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, archs, max_concurrent_builds, updated_at) VALUES ($1, 'e2e-unikernel-builder', $2, 'build', '{amd64}', 2, now())", [id(), u.dockerEndpoint]);
  await query("INSERT INTO registries (id, name, url, updated_at) VALUES ($1, 'e2e-registry', $2, now())", [registryId, u.registry]);
  await query("INSERT INTO hosts (id, name, address, port, \"user\", updated_at) VALUES ($1, 'unikernel-host', '127.0.0.1', $2, $3, now())", [hostId, u.sshd.port, u.sshd.user]);
  for (const k of u.sshd.hostKeys) {
    await query("INSERT INTO host_keys (id, host_id, algorithm, public_key, fingerprint_sha256) VALUES ($1, $2, $3, $4, $5)", [id(), hostId, k.algorithm, k.publicKey, k.fingerprintSha256]);
  }
  // polled a moment ago (and daily): the spec's pushes are followed by the poll a cron tick would enqueue
  await query(
    "INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, 'mirage/mirage-www', 'git', $2, 'master', 86400, now(), now())",
    [repositoryId, u.gitUrl],
  );
  await query("INSERT INTO refs (id, repository_id, kind, name, head_sha, updated_at) VALUES ($1, $2, 'branch', 'master', $3, now())", [id(), repositoryId, u.initial]);
  for (const t of ["hvt", "xen"] as const) {
    await query(
      "INSERT INTO build_rules (id, repository_id, name, kind, dockerfile, unikernel_target, build_args, build_secrets, position, updated_at) VALUES ($1, $2, $3, 'unikernel', 'Dockerfile', $4::unikernel_target, '{}', '{}', $5, now())",
      [rules[t], repositoryId, t, t, t === "hvt" ? 0 : 1],
    );
    await query(
      `INSERT INTO deployment_rules (id, build_rule_id, branch, image, registry_id, approval_mode, confirm_level, updated_at)
       VALUES ($1, $2, 'master', $3, $4, 'automatic', 'average', now())`,
      [`${rules[t]}d`, rules[t], `${u.registry}/mirage/www:live-mirage-${t}`, registryId],
    );
  }
  // stays up for 1 s = converged
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, host_id, service, unikernel_dir, restart_method, keep_artifacts, monitor_seconds, converge_timeout_seconds, health_timeout_seconds, updated_at)
     VALUES ($1, $2, $3, 'unikernel', $4, $5, $6, 'systemd', 5, 1, 30, 5, now())`,
    [targetId, `${rules.hvt}d`, TARGET, hostId, SERVICE, u.unikernelDir],
  );
  return { repositoryId, targetId, rules };
}

/** A push to master with the version's kernels, then the repository's poll. Returns the commit. */
async function push(u: E2EUnikernel, repositoryId: string, version: "v1" | "v2"): Promise<string> {
  const sha = commitFiles(
    u.repoDir,
    "master",
    { Dockerfile: u.dockerfile, "unikernel.hvt": readFileSync(u.kernels[version].hvt), "unikernel.xen": readFileSync(u.kernels[version].xen) },
    `www: ${version}`,
  );
  await query("SELECT graphile_worker.add_job('repository_poll', json_build_object('repositoryId', $1::text), max_attempts => 1)", [repositoryId]);
  return sha;
}

interface ReleaseRow {
  id: string;
  rule: string;
  artifact_sha256: string;
  artifact_target: string;
}

/** The hvt and xen releases of a commit, once both builds recorded them. */
async function releasesOf(s: Seeded, sha: string): Promise<Record<"hvt" | "xen", ReleaseRow>> {
  let rows: ReleaseRow[] = [];
  await expect
    .poll(
      async () => {
        rows = await query<ReleaseRow>(
          `SELECT r.id, br.name AS rule, r.artifact_sha256, r.artifact_target::text FROM releases r JOIN builds b ON b.id = r.build_id JOIN commits c ON c.id = b.commit_id JOIN build_rules br ON br.id = b.build_rule_id
           WHERE br.repository_id = $1 AND c.sha = $2`,
          [s.repositoryId, sha],
        );
        if (rows.length < 2) {
          const failed = await query<{ name: string; reason: string }>(
            "SELECT br.name, b.reason FROM builds b JOIN commits c ON c.id = b.commit_id JOIN build_rules br ON br.id = b.build_rule_id WHERE c.sha = $1 AND b.state = 'failed'",
            [sha],
          );
          if (failed.length) throw new Error(`a build of ${short(sha)} failed: ${JSON.stringify(failed)}`);
        }
        return rows.map((r) => r.rule).sort();
      },
      { timeout: 60_000, message: `hvt and xen releases of ${short(sha)}` },
    )
    .toEqual(["hvt", "xen"]);
  return { hvt: rows.find((r) => r.rule === "hvt")!, xen: rows.find((r) => r.rule === "xen")! };
}

/** The state of the target's deployment of a release, once it ended. */
async function deploymentEnded(s: Seeded, releaseId: string, trigger = "release"): Promise<{ id: string; state: string; reason: string | null }> {
  let row: { id: string; state: string; reason: string | null } | undefined;
  await expect
    .poll(
      async () => {
        [row] = await query<{ id: string; state: string; reason: string | null }>(
          "SELECT id, state::text, reason FROM deployments WHERE target_id = $1 AND release_id = $2 AND trigger = $3::deployment_trigger ORDER BY created_at DESC LIMIT 1",
          [s.targetId, releaseId, trigger],
        );
        return row && ["succeeded", "failed", "rolled_back", "cancelled"].includes(row.state);
      },
      { timeout: 60_000, message: `the ${trigger} deployment of ${releaseId} to ${TARGET} ends` },
    )
    .toBe(true);
  return row!;
}

test("a unikernel: check the host, push → build hvt and xen → deploy, push v2, roll back to v1 in one click", async ({ page }) => {
  test.skip(!uk, "E2E_UNIKERNEL is not set (e2e/global-setup.ts sets it)");
  const u = uk!;
  test.setTimeout(150_000);
  const started = Date.now();
  const phases: string[] = [];
  let lap = started;
  const mark = (what: string) => {
    phases.push(`${what} ${((Date.now() - lap) / 1000).toFixed(1)} s`);
    lap = Date.now();
  };
  const host = unikernelHostAt(u.hostRoot);
  const hostDir = path.join(u.unikernelDir, SERVICE);
  const current = () => {
    try {
      return readlinkSync(path.join(hostDir, "current"));
    } catch {
      return null;
    }
  };
  // the admin installs the deployer key on the host, as its page says to
  const [deployer] = await query<{ public_key: string }>("SELECT public_key FROM deployer_keys WHERE retired_at IS NULL");
  appendFileSync(path.join(u.sshd.dir, "authorized_keys"), `${deployer!.public_key}\n`);
  const s = await seed(u);

  await signInWithGitHub(page, "alice");

  // ── before the first deploy: Check host ─────────────────────────────────────────────────────────────
  await page.goto(`/targets/${s.targetId}`);
  await expect(page.getByRole("heading", { name: TARGET, level: 1 })).toBeVisible();
  const facts = page.getByRole("region", { name: "Target", exact: true });
  await expect(facts).toContainText("systemd unit unikernel@www");
  await expect(facts).toContainText(`${hostDir}/`);
  await expect(page.getByRole("region", { name: "Current release" })).toContainText(`Slipway has not deployed to ${TARGET} yet`);
  await page.getByRole("button", { name: "Check host" }).click();
  const checks = page.getByRole("list", { name: "Host check" });
  await expect(checks.getByRole("listitem")).toHaveCount(4, { timeout: 20_000 });
  await expect(page.getByText(`unikernel-host is ready for ${TARGET}: all 4 checks passed.`)).toBeVisible();
  for (const label of [`Log in as ${u.sshd.user}@unikernel-host`, `Create and write ${hostDir}`, "Find systemctl on the host", "systemd knows the unit unikernel@www"]) {
    await expect(checks.getByRole("listitem").filter({ hasText: label })).toHaveAttribute("data-outcome", "ok");
  }
  await shot(page, "unikernel-target-check-host");
  mark("check host");

  // ── push v1: hvt and xen build, hvt deploys ─────────────────────────────────────────────────────────
  const v1 = await push(u, s.repositoryId, "v1");
  const r1 = await releasesOf(s, v1);
  expect(r1.xen.artifact_target).toBe("xen");
  mark("push v1 → hvt and xen released");
  const d1 = await deploymentEnded(s, r1.hvt.id);
  expect(d1.state, d1.reason ?? "").toBe("succeeded");
  expect(current()).toBe(`${r1.hvt.artifact_sha256}.hvt`);
  await expect.poll(() => host.unitLog(SERVICE), { message: "the unit's QEMU prints v1" }).toContain("slipway-test-kernel www-hvt-v1");
  mark("v1 deployed");

  await page.goto(`/targets/${s.targetId}`);
  const now = page.getByRole("region", { name: "Current release" });
  await expect(now).toContainText(`${hostDir}/${r1.hvt.artifact_sha256}.hvt`);
  await expect(now.getByText(r1.hvt.artifact_sha256, { exact: true })).toBeVisible();
  await expect(now).toContainText("Running since");
  await expect(now.getByRole("link", { name: short(v1), exact: true })).toHaveAttribute("href", /\/builds\//);

  // the release page, from the target page: the file, and its download checked against the sha256
  await now.getByRole("link", { name: `Release ${short(v1)}` }).click();
  await expect(page.getByRole("heading", { name: `Release ${short(v1)}`, level: 1 })).toBeVisible();
  const file = page.getByRole("region", { name: "Unikernel file" });
  await expect(file).toContainText("/unikernel.hvt");
  await expect(file).toContainText(r1.hvt.artifact_sha256);
  const kernel = readFileSync(u.kernels.v1.hvt);
  await expect(file).toContainText(`${kernel.length.toLocaleString("en-US")} bytes`);
  const [download] = await Promise.all([page.waitForEvent("download"), file.getByRole("link", { name: /^Download/ }).click()]);
  expect(download.suggestedFilename()).toBe(`www-${v1.slice(0, 12)}.hvt`);
  const saved = readFileSync((await download.path())!);
  expect(createHash("sha256").update(saved).digest("hex")).toBe(r1.hvt.artifact_sha256);
  await expect(page.getByRole("table", { name: "Deployments of this release, newest first" }).getByRole("row").filter({ hasText: TARGET })).toContainText("Succeeded");
  // the xen release: kept in the registry, deployed nowhere
  await page.goto(`/releases/${r1.xen.id}`);
  await expect(page.getByRole("region", { name: "Unikernel file" })).toContainText("xen (Xen PVH)");
  await expect(page.getByRole("region", { name: "Targets" })).toContainText("No targets: the release is kept in the registry only");
  await expect(page.getByText("Not deployed yet", { exact: true })).toBeVisible();
  await shot(page, "unikernel-release-xen");
  mark("pages and download");

  // ── push v2: it deploys ─────────────────────────────────────────────────────────────────────────────
  const v2 = await push(u, s.repositoryId, "v2");
  const r2 = await releasesOf(s, v2);
  mark("push v2 → released");
  const d2 = await deploymentEnded(s, r2.hvt.id);
  expect(d2.state, d2.reason ?? "").toBe("succeeded");
  expect(current()).toBe(`${r2.hvt.artifact_sha256}.hvt`);
  await expect.poll(() => host.unitLog(SERVICE), { message: "the unit's QEMU prints v2" }).toContain("slipway-test-kernel www-hvt-v2");

  await page.goto(`/releases/${r1.hvt.id}`);
  await shot(page, "unikernel-release-before-rollback");
  await page.goto(`/targets/${s.targetId}`);
  const history = page.getByRole("table", { name: new RegExp(`Releases ${TARGET} ran`) });
  const v1Row = history.getByRole("row").filter({ hasText: short(v1) });
  const v2Row = history.getByRole("row").filter({ hasText: short(v2) });
  await expect(v2Row).toContainText("Running now");
  await expect(page.getByRole("region", { name: "Current release" })).toContainText(r2.hvt.artifact_sha256);
  await shot(page, "unikernel-target-before-rollback");
  mark("v2 deployed");

  // ── one click (and a confirmation) rolls back to v1 and pins the target ─────────────────────────────
  await v1Row.getByRole("button", { name: `Roll back ${TARGET} to ${short(v1)}` }).click();
  const dialog = page.getByRole("dialog", { name: `Roll back ${TARGET} to ${short(v1)}?` });
  await dialog.getByRole("button", { name: `Roll back to ${short(v1)}` }).click();
  await expect(page.getByText(`Pinned at ${short(v1)} by alice`)).toBeVisible();
  const rb = await deploymentEnded(s, r1.hvt.id, "rollback");
  expect(rb.state, rb.reason ?? "").toBe("succeeded");
  await expect(page.getByRole("status").filter({ hasText: `A deployment to ${TARGET} is` })).toBeHidden({ timeout: 20_000 });
  await expect(v1Row).toContainText("Running now");
  await expect(v1Row).toContainText("Pinned");
  await expect(page.getByRole("region", { name: "Current release" })).toContainText(r1.hvt.artifact_sha256);
  await shot(page, "unikernel-target-after-rollback");
  mark("rolled back");

  // on the host: current names v1's file, and the QEMU the stand-in systemctl started printed v1
  expect(current()).toBe(`${r1.hvt.artifact_sha256}.hvt`);
  await expect.poll(() => host.unitLog(SERVICE), { message: "the unit's QEMU prints v1 again" }).toContain("slipway-test-kernel www-hvt-v1");
  expect(host.unitLog(SERVICE)).not.toContain("www-hvt-v2");
  const [pin] = await query<{ current_release_id: string; pinned_release_id: string }>("SELECT current_release_id, pinned_release_id FROM targets WHERE id = $1", [s.targetId]);
  expect(pin).toEqual({ current_release_id: r1.hvt.id, pinned_release_id: r1.hvt.id });

  await page.goto(`/releases/${r1.hvt.id}`);
  await expect(page.getByText("Running on unikernel-host/www")).toBeVisible();
  await expect(page.getByRole("region", { name: "Targets" })).toContainText("Pinned here");
  await shot(page, "unikernel-release-after-rollback");
  mark("checks");
  test.info().annotations.push({ type: "timing", description: phases.join(", ") });
  console.log(`unikernel: ${((Date.now() - started) / 1000).toFixed(1)} s: ${phases.join(", ")}`);
});
