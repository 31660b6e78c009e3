// Unikernel rules and targets in slipway.yml and the console's forms: every key (max_size; a unikernel host's
// service, dir, keep and restart with each method; an artifact repository's artifact_repo and branch) is
// stored in its column and exported back to an equal inventory; each bad input is refused with its path and
// what to do, and nothing is written.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { saveBuildRule, saveDeploymentRule, saveTarget } from "@/lib/services/inventory/entities";
import { ValidationError } from "@/lib/errors";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;

beforeAll(async () => {
  admin = await createUser("admin", { login: "uni-admin" });
});

const header = `
apps: [{ name: mirage }]
hosts:
  - { name: unikernel-host, address: unikernels.example.org, user: deploy }
  - { name: git-host, address: git.example.org }
docker_contexts: [{ name: swarm, endpoint: "ssh://deploy@unikernels.example.org" }]
`;

/** The document with mirage/mirage-www and these build rules (YAML list items at indent 6). */
const withBuilds = (builds: string) => `${header}
repos:
  - repo: mirage/mirage-www
    app: mirage
    builds:
${builds}
`;

/** Every unikernel key with a value other than its default. */
const everything = withBuilds(`      - kind: unikernel
        target: hvt
        max_size: 512
        build_args: ["EXTRA_FLAGS=--tls=true"]
        deploy:
          - branch: master
            image: ocurrentbuilder/staging:live-mirage-hvt
            targets:
              - host: unikernel-host
                service: www
                dir: /srv/unikernels
                keep: 3
                restart: { method: systemd, unit: mirage-www.service }
                health_url: https://mirage.io/
              - host: unikernel-host
                service: www-albatross
                restart:
                  method: albatross
                  memory: 256
                  networks: [service, "tap0:br0"]
                  args: ["--ipv4=10.0.0.2/24", "--ipv4-gateway=10.0.0.1"]
              - host: unikernel-host
                service: www_cmd
                keep: 1
                restart: { method: command, argv: [/usr/local/bin/mirage-redeploy, "{service}", --sha256, "{sha256}", "{file}", "{commit}", "--label=a b"] }
              - host: git-host
                service: www
                artifact_repo: ~/mirage-deployments.git
                branch: deployments
      - kind: unikernel
        target: xen
        deploy:
          - branch: master
            image: ocurrentbuilder/staging:live-mirage-xen
            targets:
              - { host: unikernel-host, service: wwwxen }
              - { name: mirage-xen-artifacts, host: git-host, service: wwwxen, artifact_repo: /srv/git/mirage-deployments.git }`);

async function rejected(text: string): Promise<ValidationError> {
  const db = getDb();
  const before = [await db.target.count(), await db.buildRule.count(), await db.deploymentRule.count(), await db.auditEvent.count()];
  const err = await importInventory(actorFor(admin), text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect([await db.target.count(), await db.buildRule.count(), await db.deploymentRule.count(), await db.auditEvent.count()]).toEqual(before);
  return err as ValidationError;
}

function expectIssue(err: ValidationError, path: string, message: RegExp) {
  const issue = err.issues.find((i) => i.path === path && message.test(i.message));
  expect(issue, `expected an issue at ${path} matching ${message}, got ${JSON.stringify(err.issues)}`).toBeDefined();
}

describe("slipway.yml", () => {
  test("every key is stored in its column, and export → import is an empty diff", async () => {
    await importInventory(actorFor(admin), everything);
    const db = getDb();
    const rule = await db.buildRule.findFirstOrThrow({ where: { name: "hvt" } });
    expect([rule.kind, rule.maxArtifactMib]).toEqual(["unikernel", 512]);
    expect((await db.buildRule.findFirstOrThrow({ where: { name: "xen" } })).maxArtifactMib).toBe(256);
    expect((await db.deploymentRule.findFirstOrThrow({ where: { buildRuleId: rule.id } })).image).toBe("ocurrentbuilder/staging:live-mirage-hvt");

    const t = async (name: string) => db.target.findUniqueOrThrow({ where: { name } });
    const systemd = await t("unikernel-host/www");
    expect([systemd.kind, systemd.unikernelDir, systemd.keepArtifacts, systemd.restartMethod, systemd.restartUnit]).toEqual(["unikernel", "/srv/unikernels", 3, "systemd", "mirage-www.service"]);
    expect([systemd.memoryMib, systemd.networks, systemd.bootArgs, systemd.restartArgv, systemd.artifactRepoPath]).toEqual([null, [], [], [], null]);
    const albatross = await t("unikernel-host/www-albatross");
    expect([albatross.restartMethod, albatross.memoryMib, albatross.networks, albatross.bootArgs, albatross.restartUnit]).toEqual([
      "albatross",
      256,
      ["service", "tap0:br0"],
      ["--ipv4=10.0.0.2/24", "--ipv4-gateway=10.0.0.1"],
      null,
    ]);
    expect(albatross.unikernelDir).toBe("/var/lib/slipway/unikernels");
    const command = await t("unikernel-host/www_cmd");
    expect([command.restartMethod, command.keepArtifacts, command.restartArgv]).toEqual([
      "command",
      1,
      ["/usr/local/bin/mirage-redeploy", "{service}", "--sha256", "{sha256}", "{file}", "{commit}", "--label=a b"],
    ]);
    const repo = await t("git-host/www");
    expect([repo.kind, repo.artifactRepoPath, repo.artifactRepoBranch, repo.unikernelDir, repo.restartMethod]).toEqual([
      "artifact_repository",
      "~/mirage-deployments.git",
      "deployments",
      null,
      null,
    ]);
    // defaults: systemd, unikernel@<service>, the default dir and keep; branch main
    const plain = await t("unikernel-host/wwwxen");
    expect([plain.restartMethod, plain.restartUnit, plain.unikernelDir, plain.keepArtifacts]).toEqual(["systemd", "unikernel@wwwxen", "/var/lib/slipway/unikernels", 5]);
    expect((await t("mirage-xen-artifacts")).artifactRepoBranch).toBe("main");

    const exported = await exportInventory(actorFor(admin));
    expect((await previewImport(actorFor(admin), exported)).changes).toEqual([]);
    expect((await previewImport(actorFor(admin), everything)).changes).toEqual([]);
    for (const key of ["max_size: 512", "dir: /srv/unikernels", "keep: 3", "unit: mirage-www.service", "method: albatross", "memory: 256", "tap0:br0", "--ipv4=10.0.0.2/24", "method: command", '"{service}"', "artifact_repo: ~/mirage-deployments.git", "branch: deployments"]) {
      expect(exported).toContain(key);
    }
    // defaults are left out of the export
    for (const key of ["max_size: 256", "/var/lib/slipway/unikernels", "keep: 5", "unikernel@", "method: systemd\n", "branch: main", "memory: 64"]) {
      expect(exported).not.toContain(key);
    }
  });

  test("a changed key is an update of that field alone", async () => {
    const changed = everything.replace("keep: 3", "keep: 4").replace("memory: 256", "memory: 128").replace("max_size: 512", "max_size: 1024");
    const plan = await previewImport(actorFor(admin), changed);
    expect(plan.changes.map((c) => `${c.action} ${c.label} [${c.fields.join(",")}]`).sort()).toEqual([
      "update build hvt of mirage/mirage-www [max_size]",
      "update target unikernel-host/www [keep]",
      "update target unikernel-host/www-albatross [restart]",
    ]);
  });

  const unikernel = (target: string, deploy = "            image: ocurrentbuilder/staging:live-mirage-hvt\n") =>
    withBuilds(`      - kind: unikernel
        target: hvt
        deploy:
          - branch: master
${deploy}            targets:
              - ${target}`);
  const docker = withBuilds;
  const at = "repos[0].builds[0].deploy[0].targets[0]";

  const cases: Array<[string, string, string, RegExp]> = [
    ["a unikernel deployment without an image", unikernel("{ host: unikernel-host, service: www }", ""), "repos[0].builds[0].deploy[0].image", /names the registry repository that keeps its artifacts, e\.g\. ocurrentbuilder\/staging:live-mirage-hvt/],
    ["max_size on a docker build", docker("      - { kind: docker, max_size: 100 }"), "repos[0].builds[0].max_size", /limits a unikernel's artifact; a docker build has none: remove it or set kind: unikernel/],
    ["max_size out of range", docker("      - { kind: unikernel, target: hvt, max_size: 5000 }"), "repos[0].builds[0].max_size", /at most 4096/],
    ["a service name with shell characters", "{ host: unikernel-host, service: 'www;reboot' }", `${at}.service`, /starts with a letter and has only letters, digits, '-' and '_'/],
    ["a service name starting with a digit", "{ host: unikernel-host, service: 1www }", `${at}.service`, /starts with a letter/],
    ["a relative dir", "{ host: unikernel-host, service: www, dir: var/lib/unikernels }", `${at}.dir`, /absolute path, e\.g\. \/var\/lib\/slipway\/unikernels/],
    ["a dir with ..", "{ host: unikernel-host, service: www, dir: /var/lib/../../etc }", `${at}.dir`, /'\.\.'/],
    ["a dir with a newline", '{ host: unikernel-host, service: www, dir: "/var/lib/x\\ny" }', `${at}.dir`, /control characters/],
    ["the root directory as dir", "{ host: unikernel-host, service: www, dir: / }", `${at}.dir`, /root directory itself/],
    ["keep 0", "{ host: unikernel-host, service: www, keep: 0 }", `${at}.keep`, /at least 1/],
    ["keep 101", "{ host: unikernel-host, service: www, keep: 101 }", `${at}.keep`, /at most 100/],
    ["an unknown method", "{ host: unikernel-host, service: www, restart: { method: reboot } }", `${at}.restart.method`, /systemd, albatross, command/],
    ["unit under albatross", "{ host: unikernel-host, service: www, restart: { method: albatross, unit: unikernel@www } }", `${at}.restart.unit`, /belongs to the systemd method.*set method: systemd/],
    ["unit under command", "{ host: unikernel-host, service: www, restart: { method: command, argv: [x], unit: u } }", `${at}.restart.unit`, /belongs to the systemd method/],
    ["memory under systemd", "{ host: unikernel-host, service: www, restart: { memory: 128 } }", `${at}.restart.memory`, /belongs to the albatross method, and this target restarts with systemd/],
    ["networks under command", "{ host: unikernel-host, service: www, restart: { method: command, argv: [x], networks: [service] } }", `${at}.restart.networks`, /belongs to the albatross method/],
    ["args under systemd", "{ host: unikernel-host, service: www, restart: { args: [--x] } }", `${at}.restart.args`, /belongs to the albatross method/],
    ["argv under systemd", "{ host: unikernel-host, service: www, restart: { argv: [mirage-redeploy] } }", `${at}.restart.argv`, /belongs to the command method.*set method: command/],
    ["command without argv", "{ host: unikernel-host, service: www, restart: { method: command } }", `${at}.restart.argv`, /give the program and its arguments/],
    ["a placeholder inside an argument", '{ host: unikernel-host, service: www, restart: { method: command, argv: [mirage-redeploy, "--file={file}"] } }', `${at}.restart.argv[1]`, /placeholder \{file\} must be a whole argument.*"--file", "\{file\}"/],
    ["an unknown placeholder", '{ host: unikernel-host, service: www, restart: { method: command, argv: [mirage-redeploy, "{servce}"] } }', `${at}.restart.argv[1]`, /unknown placeholder \{servce\}: use \{service\}, \{file\}, \{sha256\}, \{commit\}/],
    ["a placeholder as the program", '{ host: unikernel-host, service: www, restart: { method: command, argv: ["{file}"] } }', `${at}.restart.argv[0]`, /not a placeholder/],
    ["a program starting with -", "{ host: unikernel-host, service: www, restart: { method: command, argv: [--help] } }", `${at}.restart.argv[0]`, /command name .* or an absolute path/],
    ["a newline in an argument", '{ host: unikernel-host, service: www, restart: { method: command, argv: [x, "a\\nb"] } }', `${at}.restart.argv[1]`, /one line/],
    ["a NUL in an argument", '{ host: unikernel-host, service: www, restart: { method: command, argv: [x, "a\\0b"] } }', `${at}.restart.argv[1]`, /one line/],
    ["33 argv entries", `{ host: unikernel-host, service: www, restart: { method: command, argv: [${Array(33).fill("x").join(", ")}] } }`, `${at}.restart.argv`, /at most 32 entries/],
    ["a unit starting with -", "{ host: unikernel-host, service: www, restart: { unit: --now } }", `${at}.restart.unit`, /systemd unit name/],
    ["a unit with a space", "{ host: unikernel-host, service: www, restart: { unit: 'a b' } }", `${at}.restart.unit`, /systemd unit name/],
    ["memory below 16 MiB", "{ host: unikernel-host, service: www, restart: { method: albatross, memory: 8 } }", `${at}.restart.memory`, /at least 16/],
    ["a network with a space", "{ host: unikernel-host, service: www, restart: { method: albatross, networks: ['a b'] } }", `${at}.restart.networks[0]`, /name:bridge/],
    ["a network listed twice", "{ host: unikernel-host, service: www, restart: { method: albatross, networks: [service, 'service:br0'] } }", `${at}.restart.networks[1]`, /listed twice/],
    ["a misspelt restart key", "{ host: unikernel-host, service: www, restart: { units: u } }", `${at}.restart.units`, /not a field here/],
    ["dir on an artifact repository", "{ host: git-host, service: www, artifact_repo: /srv/git/d.git, dir: /srv }", `${at}.dir`, /an artifact repository keeps the files in git: remove dir/],
    ["restart on an artifact repository", "{ host: git-host, service: www, artifact_repo: /srv/git/d.git, restart: { method: command, argv: [x] } }", `${at}.restart`, /remove restart/],
    ["keep on an artifact repository", "{ host: git-host, service: www, artifact_repo: /srv/git/d.git, keep: 2 }", `${at}.keep`, /remove keep/],
    ["a relative artifact repository", "{ host: git-host, service: www, artifact_repo: srv/git/d.git }", `${at}.artifact_repo`, /absolute path .* or one under the SSH user's home/],
    ["another user's home", "{ host: git-host, service: www, artifact_repo: ~root/d.git }", `${at}.artifact_repo`, /~\//],
    ["an artifact repository with ..", "{ host: git-host, service: www, artifact_repo: ~/../d.git }", `${at}.artifact_repo`, /'\.\.'/],
    ["a bad artifact branch", "{ host: git-host, service: www, artifact_repo: /srv/d.git, branch: 'a..b' }", `${at}.branch`, /'\.\.'/],
    ["branch without artifact_repo", "{ host: git-host, service: www, branch: main }", `${at}.branch`, /add artifact_repo/],
  ];

  test.each(cases)("%s", async (_name, body, path, message) => {
    const text = body.startsWith("\napps:") ? body : unikernel(body);
    expectIssue(await rejected(text), path, message);
  });

  test("unikernel keys on a docker build's target are refused, each naming what it is for", async () => {
    const err = await rejected(
      docker(`      - dockerfile: Dockerfile
        deploy:
          - branch: live
            image: ocurrent/x:live
            targets: [{ context: swarm, service: x, dir: /srv, keep: 2, restart: { method: systemd }, artifact_repo: /srv/d.git, branch: main }]`),
    );
    for (const key of ["dir", "keep", "restart"]) expectIssue(err, `${at}.${key}`, /for a unikernel target on a host \(host: NAME\)/);
    expectIssue(err, `${at}.artifact_repo`, /a swarm or compose service has none: remove it/);
  });
});

describe("the console's forms (flat fields)", () => {
  test("build rule: max_size for unikernel builds, refused on docker builds", async () => {
    const repo = await getDb().repository.findUniqueOrThrow({ where: { name: "mirage/mirage-www" } });
    const saved = await saveBuildRule(actorFor(admin), { repository_id: repo.id, name: "spt", kind: "unikernel", target: "spt", max_size: "64" });
    expect((await getDb().buildRule.findUniqueOrThrow({ where: { id: saved.id } })).maxArtifactMib).toBe(64);
    const err = await saveBuildRule(actorFor(admin), { repository_id: repo.id, name: "d", kind: "docker", max_size: "64" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expectIssue(err as ValidationError, "max_size", /a docker build has none/);

    // a deployment rule of a unikernel build needs the image that keeps the artifacts
    const noImage = await saveDeploymentRule(actorFor(admin), { build_rule_id: saved.id, branch: "master", approval_mode: "automatic" }).catch((e: unknown) => e);
    expect(noImage).toBeInstanceOf(ValidationError);
    expectIssue(noImage as ValidationError, "image", /registry repository that keeps its artifacts/);
    const rule = await saveDeploymentRule(actorFor(admin), { build_rule_id: saved.id, branch: "master", image: "ocurrentbuilder/staging:live-mirage-spt", approval_mode: "automatic" });
    expect((await getDb().deploymentRule.findUniqueOrThrow({ where: { id: rule.id } })).image).toBe("ocurrentbuilder/staging:live-mirage-spt");
  });

  test("target: each method's fields, the artifact repository variant, and refusals at the form's paths", async () => {
    const db = getDb();
    const rule = await db.deploymentRule.findFirstOrThrow({ where: { buildRule: { name: "spt" } } });
    const actor = actorFor(admin);
    const cmd = await saveTarget(actor, {
      deployment_rule_id: rule.id,
      host: "unikernel-host",
      service: "spt",
      dir: "/srv/unikernels/",
      keep: "7",
      restart_method: "command",
      restart_argv: "mirage-redeploy\n{service}\n{file}\n",
    });
    let row = await db.target.findUniqueOrThrow({ where: { id: cmd.id } });
    expect([row.kind, row.unikernelDir, row.keepArtifacts, row.restartMethod, row.restartArgv, row.restartUnit]).toEqual([
      "unikernel",
      "/srv/unikernels",
      7,
      "command",
      ["mirage-redeploy", "{service}", "{file}"],
      null,
    ]);

    // switched to albatross: the command's argv goes, albatross's fields come
    const edited = await saveTarget(actor, {
      id: cmd.id,
      host: "unikernel-host",
      service: "spt",
      dir: "/srv/unikernels",
      keep: "7",
      restart_method: "albatross",
      restart_memory: "128",
      restart_networks: "service, tap0:br0",
      restart_args: "--ipv4=10.0.0.3/24\n--ipv4-gateway=10.0.0.1",
    });
    expect(edited.fields).toEqual(["restart"]);
    row = await db.target.findUniqueOrThrow({ where: { id: cmd.id } });
    expect([row.restartMethod, row.memoryMib, row.networks, row.bootArgs, row.restartArgv]).toEqual(["albatross", 128, ["service", "tap0:br0"], ["--ipv4=10.0.0.3/24", "--ipv4-gateway=10.0.0.1"], []]);

    // systemd with a blank unit: the default unit
    await saveTarget(actor, { id: cmd.id, host: "unikernel-host", service: "spt", restart_method: "systemd", restart_unit: "" });
    row = await db.target.findUniqueOrThrow({ where: { id: cmd.id } });
    expect([row.restartMethod, row.restartUnit, row.memoryMib, row.networks, row.unikernelDir, row.keepArtifacts]).toEqual(["systemd", "unikernel@spt", null, [], "/var/lib/slipway/unikernels", 5]);

    // the artifact repository variant
    const repo = await saveTarget(actor, { deployment_rule_id: rule.id, host: "git-host", service: "spt", artifact_repo: "/srv/git/mirage-deployments.git", branch: "" });
    row = await db.target.findUniqueOrThrow({ where: { id: repo.id } });
    expect([row.kind, row.artifactRepoPath, row.artifactRepoBranch, row.restartMethod, row.unikernelDir]).toEqual(["artifact_repository", "/srv/git/mirage-deployments.git", "main", null, null]);

    // refusals name the nested path, which the form shows next to its flat field
    const refused = async (input: Record<string, unknown>) => {
      const before = await db.target.count();
      const err = await saveTarget(actor, { deployment_rule_id: rule.id, host: "unikernel-host", ...input }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(await db.target.count()).toBe(before);
      return err as ValidationError;
    };
    expectIssue(await refused({ service: "www;reboot" }), "service", /starts with a letter/);
    expectIssue(await refused({ service: "x", restart_method: "command", restart_argv: "mirage-redeploy\n--file={file}" }), "restart.argv[1]", /whole argument/);
    expectIssue(await refused({ service: "x", restart_method: "command" }), "restart.argv", /give the program/);
    expectIssue(await refused({ service: "x", restart_method: "albatross", restart_unit: "u" }), "restart.unit", /belongs to the systemd method/);
    expectIssue(await refused({ service: "x", dir: "relative" }), "dir", /absolute path/);
    expectIssue(await refused({ service: "x", keep: "0" }), "keep", /at least 1/);
    expectIssue(await refused({ service: "x", artifact_repo: "/srv/d.git", restart_method: "systemd" }), "restart", /remove restart/);

    // what the forms saved exports and imports back unchanged
    const exported = await exportInventory(actor);
    expect((await previewImport(actor, exported)).changes).toEqual([]);
  });
});
