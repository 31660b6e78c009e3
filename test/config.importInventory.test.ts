// lib/services/inventory/config.ts: slipway.yml import and export. ocurrent-deployer's whole pipeline
// imports; export → import is an empty diff; every kind of invalid file is refused with the path of the
// problem and nothing written; deletes and updates apply in one audited transaction.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { ConflictError, ForbiddenError, ValidationError } from "@/lib/errors";
import { verifyAuditChain } from "@/lib/audit/verify";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

const example = readFileSync("examples/ocurrent-deployer.yml", "utf8");
let admin: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
  viewer = await createUser("viewer", { login: "bob" });
});

/** Row counts of every inventory table and the audit log. */
async function inventoryState() {
  const db = getDb();
  return {
    apps: await db.githubApp.count(),
    hosts: await db.host.count(),
    hostKeys: await db.hostKey.count(),
    contexts: await db.dockerContext.count(),
    registries: await db.registry.count(),
    secrets: await db.secret.count(),
    channels: await db.notificationChannel.count(),
    repos: await db.repository.count(),
    builds: await db.buildRule.count(),
    deploys: await db.deploymentRule.count(),
    targets: await db.target.count(),
    audit: await db.auditEvent.count(),
    export: await exportInventory(actorFor(admin)),
  };
}

async function rejected(text: string): Promise<ValidationError> {
  const before = await inventoryState();
  const err = await importInventory(actorFor(admin), text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect(await inventoryState()).toEqual(before);
  return err as ValidationError;
}

describe("import of ocurrent-deployer's pipeline", () => {
  test("a dry run lists the changes and writes nothing", async () => {
    const before = await inventoryState();
    const plan = await previewImport(actorFor(admin), example);
    expect(plan.counts).toEqual({ create: expect.any(Number), update: 0, delete: 0 });
    expect(plan.changes.map((c) => c.label)).toContain("target ci3/infra_deployer");
    expect(await inventoryState()).toEqual(before);
  });

  test("imports: three apps, dozens of repositories, several images per repository and services per image, unikernels", async () => {
    const plan = await importInventory(actorFor(admin), example, { source: "ocurrent-deployer.yml" });
    const db = getDb();
    expect(await db.githubApp.count()).toBe(3);
    expect(await db.repository.count()).toBe(22);
    // the deployer deploys itself under each of its three apps: three entries, each with its own branch
    const deployer = await db.repository.findMany({
      where: { name: "ocurrent/ocurrent-deployer" },
      include: { app: true, buildRules: { include: { deploymentRules: true } } },
      orderBy: { app: { name: "asc" } },
    });
    expect(deployer.map((r) => [r.app?.name, r.buildRules.flatMap((b) => b.deploymentRules.map((d) => d.branch))])).toEqual([
      ["mirage", ["live-mirage"]],
      ["ocaml", ["live-ocaml-org"]],
      ["tarides", ["live-ci3"]],
    ]);
    const ocamlCi = await db.repository.findFirstOrThrow({ where: { name: "ocurrent/ocaml-ci" }, include: { buildRules: true, app: true } });
    expect(ocamlCi.app?.name).toBe("tarides");
    expect(ocamlCi.provider).toBe("github");
    expect(ocamlCi.url).toBe("https://github.com/ocurrent/ocaml-ci.git");
    expect(ocamlCi.buildRules.map((b) => b.name).sort()).toEqual(["Dockerfile", "Dockerfile.gitlab", "Dockerfile.web"]);
    // one image deployed to two services on two hosts
    const opam = await db.deploymentRule.findFirstOrThrow({ where: { image: "ocurrent/opam.ocaml.org:live" }, include: { targets: { include: { dockerContext: true } } } });
    expect(opam.targets.map((t) => t.dockerContext?.name).sort()).toEqual(["opam-4.ocaml.org", "opam-5.ocaml.org"]);
    expect(opam.registryId).not.toBeNull(); // docker.io images push with the docker-hub registry's credentials
    // unikernels: hvt deployed to a host, xen built and deployed nowhere
    const www = await db.buildRule.findMany({ where: { repository: { name: "mirage/mirage-www" } }, include: { deploymentRules: { include: { targets: { include: { host: true } } } } }, orderBy: { name: "asc" } });
    expect(www.map((b) => [b.name, b.kind, b.unikernelTarget])).toEqual([["hvt", "unikernel", "hvt"], ["xen", "unikernel", "xen"]]);
    expect(www[0]!.deploymentRules[0]!.targets[0]!.kind).toBe("unikernel");
    expect(www[0]!.deploymentRules[0]!.targets[0]!.host?.name).toBe("unikernel-host");
    // the hvt artifacts are kept in the registry repository ocurrent-deployer pushes to; the host runs mirage-redeploy www
    expect(www[0]!.deploymentRules[0]!.image).toBe("ocurrentbuilder/staging:live-mirage-hvt");
    expect(www[0]!.deploymentRules[0]!.registryId).not.toBeNull();
    expect([www[0]!.deploymentRules[0]!.targets[0]!.restartMethod, www[0]!.deploymentRules[0]!.targets[0]!.restartArgv]).toEqual(["command", ["mirage-redeploy", "{service}"]]);
    expect(www[1]!.deploymentRules).toEqual([]);
    // the compose service, the ssh contexts bound to their hosts, the polled repository
    expect((await db.target.findUniqueOrThrow({ where: { name: "v3b.ocaml.org/watch/peertube" } })).kind).toBe("compose_service");
    expect((await db.dockerContext.findUniqueOrThrow({ where: { name: "ci3" }, include: { host: true } })).host?.name).toBe("ci3");
    const polled = await db.repository.findUniqueOrThrow({ where: { name: "infra/status-page" } });
    expect([polled.provider, polled.pollIntervalSeconds]).toEqual(["git", 600]);
    // manual approval
    const repoCi = await db.deploymentRule.findFirstOrThrow({ where: { image: "ocurrent/opam-repo-ci:live" } });
    expect([repoCi.approvalMode, repoCi.minApprovers, repoCi.approvalExpirySeconds, repoCi.confirmLevel]).toEqual(["manual", 1, 86400, "above_average"]);
    // declared secrets have no value yet
    expect((await db.secret.findMany({ where: { scope: { not: "owned" } } })).map((s) => s.sealed)).toEqual([null, null]);
    // one audit event per change plus one for the import, chained
    const events = await db.auditEvent.findMany({ where: { actorLabel: "alice" } });
    expect(events.filter((e) => e.action === "inventory.imported")).toHaveLength(1);
    expect(events.length).toBe(plan.changes.length + 1);
    expect((await verifyAuditChain()).ok).toBe(true);
  });

  test("export → import is an empty diff, and the export holds no secret values", async () => {
    const exported = await exportInventory(actorFor(viewer));
    expect(exported).toContain("repo: ocurrent/ocaml-ci");
    const plan = await previewImport(actorFor(admin), exported);
    expect(plan.changes).toEqual([]);
    // the example file itself also imports to no change now
    expect((await previewImport(actorFor(admin), example)).changes).toEqual([]);
  });

  test("changing the file updates, creates and deletes exactly what changed", async () => {
    const changed = example
      .replace("image: ocurrent/solver-service:live", "image: ocurrent/solver-service:live2")
      .replace(/  - repo: ocaml\/ocaml-ci-scripts\n    app: ocaml\n    builds:\n      - dockerfile: Dockerfile\n/, "")
      .replace("  - { name: check, address: check.ci.ocaml.org }", "  - { name: check, address: check.ci.ocaml.org }\n  - { name: spare, address: 192.0.2.10 }");
    const plan = await previewImport(actorFor(admin), changed);
    const summary = plan.changes.map((c) => `${c.action} ${c.label}${c.fields.length ? ` [${c.fields.join(",")}]` : ""}`);
    expect(summary).toEqual([
      "create host spare",
      "update deployment of branch live (ocurrent/solver-service, Dockerfile) [image]",
      "delete build Dockerfile of ocaml/ocaml-ci-scripts",
      "delete repository ocaml/ocaml-ci-scripts",
    ]);
    const applied = await importInventory(actorFor(admin), changed, { expectedPlanId: plan.planId });
    expect(applied.planId).toBe(plan.planId);
    expect(await getDb().repository.findUnique({ where: { name: "ocaml/ocaml-ci-scripts" } })).toBeNull();
    expect((await previewImport(actorFor(admin), changed)).changes).toEqual([]);
    // the inventory moved on since this preview: applying it is refused
    const stale = await previewImport(actorFor(admin), example);
    await importInventory(actorFor(admin), example);
    await expect(importInventory(actorFor(admin), changed, { expectedPlanId: stale.planId })).rejects.toBeInstanceOf(ConflictError);
  });

  test("viewers cannot import", async () => {
    await expect(importInventory(actorFor(viewer), example)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(previewImport(actorFor(viewer), example)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("invalid files are refused with the path of every problem, and nothing is written", () => {
  const base = (repos: string, extra = "") => `
apps: [{ name: tarides }]
hosts: [{ name: toxis, address: toxis.example.org }]
docker_contexts: [{ name: toxis, endpoint: "ssh://root@toxis.example.org" }, { name: builder, endpoint: "unix:///var/run/docker.sock", role: build }]
registries: [{ name: hub, url: docker.io }]
${extra}
repos:
${repos}`;
  const repo = (build: string) => `
  - repo: ocurrent/x
    app: tarides
    builds:
${build}`;
  const deploy = (d: string) =>
    repo(`
      - dockerfile: Dockerfile
        deploy:
${d}`);

  const cases: Array<[string, string, string, RegExp]> = [
    ["YAML syntax", "repos: [", "line", /YAML/],
    ["not a mapping", "- a\n- b", "", /must be a mapping/],
    ["unknown top-level key", "hostz: []", "hostz", /not a field/],
    ["image without a tag", deploy(`          - branch: live\n            image: ocurrent/x\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].image", /needs a tag/],
    ["image with uppercase", deploy(`          - branch: live\n            image: Ocurrent/X:live\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].image", /lowercase/],
    ["image with a digest", deploy(`          - branch: live\n            image: "ocurrent/x@sha256:${"a".repeat(64)}"\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].image", /digest/],
    ["branch with ..", deploy(`          - branch: "a..b"\n            image: ocurrent/x:live\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].branch", /'\.\.'/],
    ["branch with a leading dash", deploy(`          - branch: "--upload-pack=x"\n            image: ocurrent/x:live\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].branch", /start with '-'/],
    ["dockerfile escaping the repository", repo(`      - dockerfile: ../etc/passwd`), "repos[0].builds[0].dockerfile", /inside the repository/],
    ["absolute context path", repo(`      - context: /srv/app`), "repos[0].builds[0].context", /relative/],
    ["host name invalid", "hosts: [{ name: bad, address: 'exa mple.org' }]", "hosts[0].address", /host name/],
    ["port out of range", "hosts: [{ name: bad, address: example.org, port: 70000 }]", "hosts[0].port", /65535/],
    ["ssh endpoint without user", "docker_contexts: [{ name: c, endpoint: 'ssh://toxis.example.org' }]", "docker_contexts[0].endpoint", /user/],
    ["tcp endpoint", "docker_contexts: [{ name: c, endpoint: 'tcp://toxis.example.org:2375' }]", "docker_contexts[0].endpoint", /ssh:\/\//],
    ["ssh endpoint through no registered host", "docker_contexts: [{ name: c, endpoint: 'ssh://root@elsewhere.example.org' }]", "docker_contexts[0].endpoint", /no host/],
    ["known_hosts line for another host", `hosts: [{ name: h, address: toxis.example.org, host_keys: ["other.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"] }]`, "hosts[0].host_keys[0]", /other\.example\.org/],
    ["garbage host key", `hosts: [{ name: h, address: toxis.example.org, host_keys: ["ssh-ed25519 not-base64!"] }]`, "hosts[0].host_keys[0]", /./],
    ["duplicate host names", "hosts: [{ name: toxis, address: a.example.org }, { name: toxis, address: b.example.org }]", "hosts[1].name", /used twice/],
    ["deployment to a missing context", deploy(`          - branch: live\n            image: ocurrent/x:live\n            targets: [{ context: nowhere, service: s }]`), "repos[0].builds[0].deploy[0].targets[0].context", /no docker context named 'nowhere'/],
    ["swarm service on a build-only context", deploy(`          - branch: live\n            image: ocurrent/x:live\n            targets: [{ context: builder, service: s }]`), "repos[0].builds[0].deploy[0].targets[0].context", /build host only/],
    ["repository of a missing app", "repos: [{ repo: a/b, app: nope }]", "repos[0].app", /no app named 'nope'/],
    ["unikernel without a target", repo(`      - kind: unikernel`), "repos[0].builds[0].target", /names its target/],
    ["unikernel deployed to a context", repo(`      - { kind: unikernel, target: hvt, deploy: [{ branch: main, targets: [{ context: toxis, service: www }] }] }`), "repos[0].builds[0].deploy[0].targets[0].context", /to a host/],
    ["docker deployment without an image", deploy(`          - branch: live\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].image", /names the image/],
    ["unikernel deployment without an image", repo(`      - { kind: unikernel, target: hvt, deploy: [{ branch: main, targets: [{ host: toxis, service: www }] }] }`), "repos[0].builds[0].deploy[0].image", /names the registry repository that keeps its artifacts/],
    ["max_size on a docker build", repo(`      - { dockerfile: Dockerfile, max_size: 64 }`), "repos[0].builds[0].max_size", /a docker build has none/],
    ["two builds with one name", repo(`      - dockerfile: Dockerfile\n      - dockerfile: Dockerfile`), "repos[0].builds[1].name", /give one of them a name/],
    ["build arg over two lines", repo(`      - build_args: ["A=1\\nB=2"]`), "repos[0].builds[0].build_args[0]", /one line/],
    ["missing registry", deploy(`          - branch: live\n            image: ocurrent/x:live\n            registry: ghcr\n            targets: [{ context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].registry", /no registry named 'ghcr'/],
    ["git URL with ext:: transport", "repos: [{ repo: infra/x, url: 'ext::sh -c touch% /tmp/pwned' }]", "repos[0].url", /ext::/],
    ["repository without app or url", "repos: [{ repo: infra/x }]", "repos[0].url", /git URL/],
    ["undeclared build secret", repo(`      - build_secrets: [npm-token]`), "repos[0].builds[0].build_secrets[0]", /no secret 'npm-token'/],
    ["duplicate target names", deploy(`          - branch: live\n            image: ocurrent/x:live\n            targets: [{ context: toxis, service: s }, { context: toxis, service: s }]`), "repos[0].builds[0].deploy[0].targets[1].name", /used twice/],
    ["misspelt field in a build", repo(`      - dockerfiel: Dockerfile`), "repos[0].builds[0].dockerfiel", /not a field/],
  ];

  test.each(cases)("%s", async (_name, body, path, message) => {
    const text = body.startsWith("\n  - repo:") ? base(body) : body;
    const err = await rejected(text);
    const issue = err.issues.find((i) => i.path.startsWith(path) && message.test(i.message));
    expect(issue, `expected an issue at ${path} matching ${message}, got ${JSON.stringify(err.issues)}`).toBeDefined();
  });

  test("every problem of a file is listed at once", async () => {
    const text = base(deploy(`          - branch: "-x"\n            image: ocurrent/x\n            targets: [{ context: nowhere, service: s }]`), "hosts2: 1");
    const err = await rejected(text);
    expect(err.issues.length).toBeGreaterThanOrEqual(3);
  });
});
