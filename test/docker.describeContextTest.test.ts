// The one sentence the console and the audit log show for a Docker context test.
import { describe, expect, it } from "vitest";
import { describeContextTest, type DockerContextTestResult, type DockerEngineFacts } from "@/lib/docker/context-check";

const engine: DockerEngineFacts = {
  version: "20.10.24",
  apiVersion: "1.41",
  os: "linux",
  arch: "amd64",
  kernel: "6.1.0-18-amd64",
  operatingSystem: "Debian GNU/Linux 12 (bookworm)",
  cpus: 2,
  memoryBytes: 8 * 2 ** 30,
  containers: 3,
  swarm: { state: "active", nodeId: "abc", isManager: true, managers: 1, nodes: 1 },
};

const ok = (swarm: DockerEngineFacts["swarm"], more: Partial<DockerEngineFacts> = {}): DockerContextTestResult => ({ ok: true, ...engine, ...more, swarm });

describe("describeContextTest", () => {
  it("names the engine, platform, size and swarm role", () => {
    expect(describeContextTest("build1", ok(engine.swarm))).toBe("build1: Docker 20.10.24 (API 1.41) on linux/amd64, 2 CPUs, 8.0 GiB; swarm active, manager, 1 node.");
    expect(describeContextTest("toxis", ok({ state: "active", isManager: true, managers: 3, nodes: 5 }, { cpus: 1, arch: "arm64" }))).toBe(
      "toxis: Docker 20.10.24 (API 1.41) on linux/arm64, 1 CPU, 8.0 GiB; swarm active, manager, 5 nodes.",
    );
  });

  it("says what each swarm state means for deploying", () => {
    expect(describeContextTest("a", ok({ state: "inactive", isManager: false }))).toMatch(/; not in a swarm\.$/);
    expect(describeContextTest("a", ok({ state: "active", nodeId: "n", isManager: false }))).toMatch(/; swarm active, worker \(deploy through a manager\)\.$/);
    expect(describeContextTest("a", ok({ state: "pending", isManager: false }))).toMatch(/; swarm joining \(pending\)\.$/);
    expect(describeContextTest("a", ok({ state: "locked", isManager: false }))).toMatch(/; swarm locked \(unlock it with docker swarm unlock on that machine\)\.$/);
    expect(describeContextTest("a", ok({ state: "error", isManager: false }))).toMatch(/; swarm in error \(see docker info on that machine\)\.$/);
  });

  it("gives a failure's message after the context's name", () => {
    const failed: DockerContextTestResult = { ok: false, reason: "unreachable", message: "Nothing listens on /var/run/docker.sock: dockerd is not running (start it, e.g. systemctl start docker)." };
    expect(describeContextTest("local", failed)).toBe("local: Nothing listens on /var/run/docker.sock: dockerd is not running (start it, e.g. systemctl start docker).");
  });
});
