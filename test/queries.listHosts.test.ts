// lib/queries/hosts.ts listHosts and lib/queries/inventory-hosts.ts hostDetail: a host's targets are those on
// it directly (unikernels, artifact repositories) and those on its docker contexts (swarm and compose
// services); the Hosts page once counted only the first kind and showed 0 for a swarm host with services.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { listHosts } from "@/lib/queries/hosts";
import { hostDetail } from "@/lib/queries/inventory-hosts";

let swarmHost = "";
let unikernelHost = "";
let idleHost = "";

beforeAll(async () => {
  const db = getDb();
  const [swarm, ukHost, idle] = await Promise.all(
    ["hosts-swarm", "hosts-unikernel", "hosts-idle"].map((name) => db.host.create({ data: { name, address: `${name}.example.test` } })),
  );
  swarmHost = swarm!.id;
  unikernelHost = ukHost!.id;
  idleHost = idle!.id;
  const manager = await db.dockerContext.create({ data: { name: "hosts-swarm-manager", endpoint: "ssh://root@hosts-swarm.example.test", role: "swarm_manager", hostId: swarmHost } });
  const builder = await db.dockerContext.create({ data: { name: "hosts-swarm-builder", endpoint: "ssh://root@hosts-swarm.example.test:2222", role: "build", hostId: swarmHost } });
  const local = await db.dockerContext.create({ data: { name: "hosts-local", endpoint: "unix:///var/run/docker.sock", role: "both" } });
  const repo = await db.repository.create({ data: { name: "acme/hosts", provider: "git", url: "https://git.example.test/acme/hosts.git" } });
  const docker = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker", buildArgs: [], buildSecrets: [] } });
  const rule = await db.deploymentRule.create({ data: { buildRuleId: docker.id, branch: "live", image: "127.0.0.1:5000/acme/hosts:live" } });
  const uk = await db.buildRule.create({ data: { repositoryId: repo.id, name: "unikernel", kind: "unikernel", buildArgs: [], buildSecrets: [], unikernelTarget: "hvt" } });
  const ukRule = await db.deploymentRule.create({ data: { buildRuleId: uk.id, branch: "live", image: "127.0.0.1:5000/acme/hosts-kernels:live" } });
  await db.target.createMany({
    data: [
      { deploymentRuleId: rule.id, name: "hosts-web", kind: "swarm_service", service: "web", dockerContextId: manager.id },
      { deploymentRuleId: rule.id, name: "hosts-api", kind: "swarm_service", service: "api", dockerContextId: manager.id },
      { deploymentRuleId: rule.id, name: "hosts-worker", kind: "compose_service", service: "worker", composeProject: "acme", dockerContextId: builder.id },
      { deploymentRuleId: rule.id, name: "hosts-local-web", kind: "swarm_service", service: "web_local", dockerContextId: local.id },
      { deploymentRuleId: ukRule.id, name: "hosts-www", kind: "unikernel", service: "www", hostId: unikernelHost },
    ],
  });
});

describe("console-layout: Hosts count the targets that run on each host", () => {
  test("listHosts counts targets on the host's docker contexts and on the host itself", async () => {
    const page = await listHosts();
    const targets = Object.fromEntries(page.rows.map((h) => [h.name, h.targets]));
    expect(targets).toEqual({ "hosts-idle": 0, "hosts-swarm": 3, "hosts-unikernel": 1 });
    expect(page.rows.find((h) => h.id === swarmHost)!.dockerContexts).toBe(2);
  });

  test("hostDetail lists those targets, each with the context it runs on", async () => {
    const swarm = await hostDetail(swarmHost);
    expect(swarm!.targets.map((t) => [t.name, t.context])).toEqual([
      ["hosts-api", "hosts-swarm-manager"],
      ["hosts-web", "hosts-swarm-manager"],
      ["hosts-worker", "hosts-swarm-builder"],
    ]);
    expect((await hostDetail(unikernelHost))!.targets.map((t) => [t.name, t.kind, t.context])).toEqual([["hosts-www", "unikernel", null]]);
    expect((await hostDetail(idleHost))!.targets).toEqual([]);
  });
});
