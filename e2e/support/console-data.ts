// A full console for the layout and controls specs, seeded straight into the e2e database with names of
// its own (a suffix per call), so it sits next to what other specs seed: a swarm host reached by two docker
// contexts with three services on them, a unikernel host with a unikernel on it, a repository with long
// names and messages, builds that succeeded, failed (with a long reason) and a release per build, a target
// rolled back and pinned while a newer release waits, a failed deployment and one waiting for approval.
// Nothing here is reachable: the docker endpoints are sockets that do not exist, the hosts refuse.
// retireConsole() cancels what still waits for approval, so the specs that count the Approvals inbox after
// these ones find only their own.
import { randomBytes, randomUUID } from "node:crypto";
import { query } from "./db";

const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
const sha = () => randomBytes(20).toString("hex");
const digest = () => `sha256:${randomBytes(32).toString("hex")}`;

export interface ConsoleData {
  suffix: string;
  repository: { id: string; name: string };
  hosts: { swarm: { id: string; name: string }; unikernel: { id: string; name: string }; idle: { id: string; name: string } };
  contexts: { manager: { id: string; name: string }; builder: { id: string; name: string } };
  /** target name → id */
  targets: Record<"web" | "api" | "worker" | "www", { id: string; name: string }>;
  commits: Record<"old" | "pinned" | "current" | "newest" | "failed", string>;
  releases: Record<"old" | "pinned" | "current" | "newest" | "kernel", string>;
  builds: Record<"old" | "pinned" | "current" | "newest" | "failed" | "kernel", string>;
  deployments: { failed: string; pending: string };
  image: string;
}

export async function seedConsole(): Promise<ConsoleData> {
  const suffix = randomBytes(3).toString("hex");
  const hosts = {
    swarm: { id: id(), name: `swarm-manager-${suffix}` },
    unikernel: { id: id(), name: `unikernel-host-${suffix}` },
    idle: { id: id(), name: `spare-${suffix}` },
  };
  // port 1 on loopback refuses at once: the hosts' last test failed, in words
  await query(
    `INSERT INTO hosts (id, name, address, port, "user", last_checked_at, last_check_result, updated_at) VALUES
       ($1, $2, 'swarm-manager-with-a-long-name.infra.example.test', 22, 'deploy', now() - interval '3 hours',
        'could not connect to swarm-manager-with-a-long-name.infra.example.test port 22: connection refused; check that sshd runs and the port is open', now()),
       ($3, $4, '127.0.0.1', 1, 'root', NULL, NULL, now()),
       ($5, $6, '10.0.0.9', 2222, 'mirage', NULL, NULL, now())`,
    [hosts.swarm.id, hosts.swarm.name, hosts.unikernel.id, hosts.unikernel.name, hosts.idle.id, hosts.idle.name],
  );
  const contexts = { manager: { id: id(), name: `swarm-${suffix}` }, builder: { id: id(), name: `builder-${suffix}` } };
  await query(
    `INSERT INTO docker_contexts (id, name, endpoint, role, host_id, updated_at) VALUES
       ($1, $2, 'ssh://deploy@swarm-manager-with-a-long-name.infra.example.test', 'swarm_manager', $3, now()),
       ($4, $5, 'ssh://deploy@swarm-manager-with-a-long-name.infra.example.test:2222', 'swarm_manager', $3, now())`,
    [contexts.manager.id, contexts.manager.name, hosts.swarm.id, contexts.builder.id, contexts.builder.name],
  );
  const repository = { id: id(), name: `ocurrent-${suffix}/ocaml-multicore-continuous-integration-website` };
  await query(
    "INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, $2, 'git', $3, 'main', 86400, now(), now())",
    [repository.id, repository.name, `https://git.example.test/${repository.name}.git`],
  );
  const docker = id();
  const kernel = id();
  await query(
    `INSERT INTO build_rules (id, repository_id, name, kind, dockerfile, build_args, build_secrets, unikernel_target, updated_at) VALUES
       ($1, $3, 'Dockerfile', 'docker', 'Dockerfile', '{EXTRA_FLAGS=--with-a-rather-long-build-argument-value}', '{}', NULL, now()),
       ($2, $3, 'mirage-hvt', 'unikernel', 'Dockerfile.mirage', '{}', '{}', 'hvt', now())`,
    [docker, kernel, repository.id],
  );
  const image = `registry.infra.example.test/ocurrent-${suffix}/ocaml-multicore-continuous-integration-website`;
  const liveRule = id();
  const kernelRule = id();
  await query(
    `INSERT INTO deployment_rules (id, build_rule_id, branch, image, approval_mode, min_approvers, approver_role, approval_expiry_seconds, confirm_level, updated_at) VALUES
       ($1, $2, 'live', $3, 'manual', 1, 'operator', 86400, 'average', now()),
       ($4, $5, 'live', $6, 'automatic', 1, 'operator', 86400, 'harmless', now())`,
    [liveRule, docker, `${image}:live`, kernelRule, kernel, `${image}-kernels:live`],
  );

  const commits = { old: sha(), pinned: sha(), current: sha(), newest: sha(), failed: sha() };
  const messages = {
    old: "Initial website with the continuous integration dashboard",
    pinned: "Move the build matrix to a separate page and cache the per-platform results for faster loads",
    current: "Show the opam-repository-ci results next to each package version",
    newest: "Rewrite the status page: one row per platform, failures first, with links to the logs",
    failed: "Try the new OCaml 5.3 compiler on every platform (this one breaks the arm64 build)",
  };
  const ages = { old: "9 days", pinned: "4 days", current: "2 days", newest: "50 minutes", failed: "20 minutes" };
  const builds = {} as ConsoleData["builds"];
  const releases = {} as ConsoleData["releases"];
  const commitIds = {} as Record<keyof typeof commits, string>;
  for (const k of ["old", "pinned", "current", "newest", "failed"] as const) {
    commitIds[k] = id();
    builds[k] = id();
    await query("INSERT INTO commits (id, repository_id, sha, message, author, pushed_by, created_at) VALUES ($1, $2, $3, $4, 'Kate Deplaix', 'kit-ty-kate', now() - $5::interval)", [
      commitIds[k],
      repository.id,
      commits[k],
      messages[k],
      ages[k],
    ]);
    const failed = k === "failed";
    await query(
      `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, reason, docker_context_id, queued_at, started_at, finished_at, log_bytes, updated_at)
       VALUES ($1, $2, $3, $4::build_state, 'poll', $5, $6, now() - $7::interval, now() - $7::interval, now() - $7::interval + interval '3 minutes 12 seconds', 0, now())`,
      [
        builds[k],
        docker,
        commitIds[k],
        failed ? "failed" : "succeeded",
        failed
          ? "The command '/bin/sh -c opam install --deps-only --with-test --with-doc ./ocaml-multicore-continuous-integration-website.opam' returned a non-zero code: 31 (see the log, step 7/12)"
          : null,
        contexts.builder.id,
        ages[k],
      ],
    );
    if (!failed) {
      releases[k as Exclude<typeof k, "failed">] = id();
      await query(
        "INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, platform_digests, created_at, recorded_before_signing) VALUES ($1, $2, $3, $4, 'live', $5, $6, now() - $7::interval + interval '4 minutes', true)",
        [releases[k as Exclude<typeof k, "failed">], builds[k], liveRule, image, digest(), JSON.stringify({ amd64: digest(), arm64: digest() }), ages[k]],
      );
    }
  }
  // the unikernel's build and release
  builds.kernel = id();
  releases.kernel = id();
  await query(
    `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, updated_at)
     VALUES ($1, $2, $3, 'succeeded', 'poll', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days' + interval '95 seconds', now())`,
    [builds.kernel, kernel, commitIds.current],
  );
  await query(
    `INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, artifact_path, artifact_sha256, artifact_size, artifact_target, created_at, recorded_before_signing)
     VALUES ($1, $2, $3, $4, 'live', $5, '/unikernel.hvt', $6, 4718592, 'hvt', now() - interval '2 days', true)`,
    [releases.kernel, builds.kernel, kernelRule, `${image}-kernels`, digest(), randomBytes(32).toString("hex")],
  );
  // live points at the newest commit; a pull request with a long title
  const live = id();
  const pr = id();
  await query(
    `INSERT INTO refs (id, repository_id, kind, name, head_sha, updated_at) VALUES ($1, $2, 'branch', 'live', $3, now())`,
    [live, repository.id, commits.newest],
  );
  await query(
    `INSERT INTO refs (id, repository_id, kind, name, pr_number, pr_title, pr_author, head_sha, updated_at)
     VALUES ($1, $2, 'pull_request', 'refs/pull/1234/head', 1234, 'Try the new OCaml 5.3 compiler on every platform, and report the arm64 failures separately', 'kit-ty-kate', $3, now())`,
    [pr, repository.id, commits.failed],
  );
  await query("INSERT INTO build_refs (build_id, ref_id) VALUES ($1, $2), ($3, $2), ($4, $5)", [builds.newest, live, builds.current, builds.failed, pr]);

  const targets = {
    web: { id: id(), name: `www-${suffix}` },
    api: { id: id(), name: `api-${suffix}` },
    worker: { id: id(), name: `worker-${suffix}` },
    www: { id: id(), name: `mirage-www-${suffix}` },
  };
  // web: rolled back to "pinned" by alice; "current" ran before; "newest" waits behind the pin
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, health_url, current_release_id, pinned_release_id, pinned_by_id, pinned_at, last_deployed_at, updated_at)
     VALUES ($1, $2, $3, 'swarm_service', $4, 'ocaml-multicore-ci_website', 'https://ocaml-multicore-ci.infra.example.test/healthz', $5, $5,
             (SELECT id FROM users WHERE login = 'alice'), now() - interval '1 day', now() - interval '1 day', now())`,
    [targets.web.id, liveRule, targets.web.name, contexts.manager.id, releases.pinned],
  );
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, current_release_id, last_deployed_at, updated_at)
     VALUES ($1, $2, $3, 'swarm_service', $4, 'ocaml-multicore-ci_api', $5, now() - interval '2 days', now())`,
    [targets.api.id, liveRule, targets.api.name, contexts.manager.id, releases.current],
  );
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, compose_project, updated_at)
     VALUES ($1, $2, $3, 'compose_service', $4, 'worker', 'ocaml-multicore-ci', now())`,
    [targets.worker.id, liveRule, targets.worker.name, contexts.builder.id],
  );
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, host_id, service, current_release_id, last_deployed_at, updated_at)
     VALUES ($1, $2, $3, 'unikernel', $4, 'www', $5, now() - interval '2 days', now())`,
    [targets.www.id, kernelRule, targets.www.name, hosts.unikernel.id, releases.kernel],
  );
  const deploy = async (target: string, release: string, previous: string | null, state: string, trigger: string, age: string, reason: string | null = null) => {
    const deploymentId = id();
    const ended = ["succeeded", "failed"].includes(state);
    await query(
      `INSERT INTO deployments (id, target_id, release_id, previous_release_id, state, trigger, reason, created_at, queued_at, started_at, finished_at, approval_expires_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::deployment_state, $6::deployment_trigger, $7, now() - $8::interval,
               ${ended ? "now() - $8::interval" : "NULL"}, ${ended ? "now() - $8::interval + interval '5 seconds'" : "NULL"},
               ${ended ? "now() - $8::interval + interval '48 seconds'" : "NULL"}, ${state === "pending_approval" ? "now() + interval '20 hours'" : "NULL"}, now())`,
      [deploymentId, target, release, previous, state, trigger, reason, age],
    );
    return deploymentId;
  };
  await deploy(targets.web.id, releases.old, null, "succeeded", "release", "9 days");
  await deploy(targets.web.id, releases.pinned, releases.old, "succeeded", "release", "4 days");
  await deploy(targets.web.id, releases.current, releases.pinned, "succeeded", "release", "2 days");
  await deploy(targets.web.id, releases.pinned, releases.current, "succeeded", "rollback", "1 day");
  await deploy(targets.api.id, releases.current, null, "succeeded", "release", "2 days");
  await deploy(targets.www.id, releases.kernel, null, "succeeded", "release", "2 days");
  const failed = await deploy(
    targets.api.id,
    releases.newest,
    releases.current,
    "failed",
    "release",
    "45 minutes",
    `the swarm rolled the update of service ocaml-multicore-ci_api back: task 1/1 of ${image}:live@${digest()} exited with code 1 ("Fatal error: exception Unix.Unix_error(Unix.ECONNREFUSED, \"connect\", \"\")")`,
  );
  const pending = await deploy(targets.worker.id, releases.newest, null, "pending_approval", "release", "48 minutes");
  return { suffix, repository, hosts, contexts, targets, commits, releases, builds, deployments: { failed, pending }, image };
}

/** Ends what the seed left waiting for approval (the specs after this one count the Approvals inbox). */
export async function retireConsole(data: ConsoleData | undefined): Promise<void> {
  if (!data) return;
  await query("UPDATE deployments SET state = 'cancelled', reason = 'e2e: cleaned up after the console specs', finished_at = now(), updated_at = now() WHERE id = $1 AND state = 'pending_approval'", [
    data.deployments.pending,
  ]);
}
