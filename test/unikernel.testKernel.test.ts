// The unikernel test kit (test/helpers/unikernel.ts): the multiboot test kernel builds per version, is a
// 32-bit ELF executable, prints its version under QEMU and exits (or stays up); the stand-in systemctl and
// albatross-client start and stop it, locally and through a real sshd whose sessions find them on PATH.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSsh } from "@/lib/ssh/connect";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { remoteCommand } from "@/lib/ssh/quote";
import { eventually } from "@/test/helpers/eventually";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import {
  bootKernel,
  buildTestKernel,
  createUnikernelHost,
  multibootHeaderOffset,
  readElfHeader,
  startKernel,
  type UnikernelHost,
} from "@/test/helpers/unikernel";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a stand-in program locally with the host's PATH (argument array, no shell). */
function run(host: UnikernelHost, program: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(host.binDir, program), args, { env: { ...process.env, PATH: host.path }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let v1: string;
let v2: string;
let serviceV1: string;
let serviceV2: string;

beforeAll(async () => {
  [v1, v2, serviceV1, serviceV2] = await Promise.all([
    buildTestKernel({ version: "v1" }),
    buildTestKernel({ version: "v2" }),
    buildTestKernel({ version: "v1", variant: "service" }),
    buildTestKernel({ version: "v2", variant: "service" }),
  ]);
});

describe("the test kernel", () => {
  it("builds v1 and v2 as different 32-bit ELF executables with a multiboot header in the first 8 KiB", async () => {
    expect(v1).not.toBe(v2);
    for (const file of [v1, v2, serviceV1]) {
      const bytes = readFileSync(file);
      expect(readElfHeader(bytes)).toEqual({ bits: 32, endian: "little", type: 2, machine: 3 });
      const at = multibootHeaderOffset(bytes);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(8192 - 12);
    }
    expect(readFileSync(v1).includes("slipway-test-kernel v1")).toBe(true);
    expect(readFileSync(v2).includes("slipway-test-kernel v2")).toBe(true);
    expect(readElfHeader(Buffer.from("#!/bin/sh\necho not a kernel\n"))).toBeNull();
    // cached: a second build of the same source is the same file
    expect(await buildTestKernel({ version: "v1" })).toBe(v1);
  });

  it("refuses a version that would need escaping", async () => {
    await expect(buildTestKernel({ version: 'v1"; system("id")' })).rejects.toThrow(/letters, digits/);
  });

  it("prints its version under QEMU and exits through isa-debug-exit with (code << 1) | 1", async () => {
    const one = await bootKernel(v1);
    expect(one.output).toContain("slipway-test-kernel v1\n");
    expect(one.output).not.toContain("v2");
    expect(one).toMatchObject({ status: 1, timedOut: false });

    const two = await bootKernel(v2);
    expect(two.output).toContain("slipway-test-kernel v2\n");

    const seven = await bootKernel(await buildTestKernel({ version: "v3", exitCode: 3 }));
    expect(seven).toMatchObject({ status: 7, timedOut: false });
    expect(seven.output).toContain("slipway-test-kernel v3");
  });

  it("the service variant stays up until it is stopped", async () => {
    const vm = startKernel(serviceV1);
    try {
      await eventually("the service kernel's version on serial", () => vm.output().includes("slipway-test-kernel v1"), 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(vm.child.exitCode).toBeNull();
      expect(vm.child.signalCode).toBeNull();
    } finally {
      await vm.stop();
    }
    expect(vm.child.signalCode).toBe("SIGKILL");
    const booted = await bootKernel(serviceV2, { timeoutMs: 2000 });
    expect(booted).toMatchObject({ status: null, timedOut: true });
    expect(booted.output).toContain("slipway-test-kernel v2");
  });
});

describe("stand-in systemctl", () => {
  let host: UnikernelHost;

  beforeAll(async () => {
    host = await createUnikernelHost();
  });
  afterAll(async () => {
    await host?.cleanup();
  });

  /** Makes <service>/current a symlink to a copy of `kernel` named after `version`, as a deployer would. */
  async function install(service: string, kernel: string, version: string): Promise<void> {
    const dir = path.join(host.unikernelDir, service);
    await fs.mkdir(dir, { recursive: true });
    await fs.copyFile(kernel, path.join(dir, `${version}.hvt`));
    await fs.rm(path.join(dir, "current.new"), { force: true });
    await fs.symlink(`${version}.hvt`, path.join(dir, "current.new"));
    await fs.rename(path.join(dir, "current.new"), path.join(dir, "current"));
  }

  it("restart boots <service>/current, is-active follows it, stop ends it", async () => {
    await install("www", serviceV1, "v1");
    expect(await run(host, "systemctl", ["is-active", "unikernel@www"])).toMatchObject({ code: 3, stdout: "inactive\n" });

    expect(await run(host, "systemctl", ["restart", "unikernel@www"])).toMatchObject({ code: 0 });
    await eventually("v1 on the unit's serial log", () => host.unitLog("www").includes("slipway-test-kernel v1"), 20_000);
    const first = host.unitPid("www");
    expect(first).not.toBeNull();
    expect(await run(host, "systemctl", ["is-active", "unikernel@www.service"])).toMatchObject({ code: 0, stdout: "active\n" });

    await install("www", serviceV2, "v2");
    expect(await run(host, "systemctl", ["restart", "unikernel@www"])).toMatchObject({ code: 0 });
    await eventually("v2 on the unit's serial log", () => host.unitLog("www").includes("slipway-test-kernel v2"), 20_000);
    expect(host.unitLog("www")).not.toContain("v1");
    expect(host.unitPid("www")).not.toBe(first);
    expect(existsSync(`/proc/${first}`) && readFileSync(`/proc/${first}/cmdline`, "latin1").includes("qemu")).toBe(false);

    expect(await run(host, "systemctl", ["stop", "unikernel@www"])).toMatchObject({ code: 0 });
    expect(host.unitPid("www")).toBeNull();
    expect(await run(host, "systemctl", ["is-active", "unikernel@www"])).toMatchObject({ code: 3, stdout: "inactive\n" });
    // stopping a stopped unit is fine, as with systemd
    expect(await run(host, "systemctl", ["stop", "unikernel@www"])).toMatchObject({ code: 0 });
  });

  it("fails a restart when the service has no current kernel", async () => {
    const r = await run(host, "systemctl", ["restart", "unikernel@nothing"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unikernel@nothing.service failed");
    expect(host.unitPid("nothing")).toBeNull();
  });

  it("treats hostile unit names as data", async () => {
    const marker = path.join(host.runDir, "pwned");
    for (const unit of [`unikernel@x;touch ${marker}`, `unikernel@$(touch ${marker})`, "unikernel@../../etc", "unikernel@-x", "sshd"]) {
      const r = await run(host, "systemctl", ["restart", unit]);
      expect(r.code, unit).not.toBe(0);
    }
    expect(await run(host, "systemctl", ["reboot"])).toMatchObject({ code: 2 });
    expect(existsSync(marker)).toBe(false);
  });
});

describe("stand-in albatross-client", () => {
  let host: UnikernelHost;

  beforeAll(async () => {
    host = await createUnikernelHost();
  });
  afterAll(async () => {
    await host?.cleanup();
  });

  it("create runs the image with the given memory and networks, info reports it, destroy ends it", async () => {
    const create = await run(host, "albatross-client", ["create", "--force", "--mem=32", "--net=service:br0", "--arg=--ipv4=10.0.0.2/24", "--arg=a b; c", "www", serviceV1]);
    expect(create).toMatchObject({ code: 0, stdout: "created VM www\n" });
    await eventually("v1 on the VM's console", () => host.vmLog("www").includes("slipway-test-kernel v1"), 20_000);
    const pid = host.vmPid("www");
    expect(readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")).toEqual(expect.arrayContaining(["-m", "32"]));

    const info = await run(host, "albatross-client", ["info", "www"]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`name=www\npid=${pid}\nmem=32\nnet=service:br0\narg=--ipv4=10.0.0.2/24\narg=a b; c\n`);
    expect(info.stdout).toMatch(/image-sha256=[0-9a-f]{64}\n/);

    // the same name again needs --force, which replaces the VM
    expect((await run(host, "albatross-client", ["create", "--mem=32", "www", serviceV2])).code).not.toBe(0);
    expect(await run(host, "albatross-client", ["create", "--force", "--mem=32", "--net=service", "www", serviceV2])).toMatchObject({ code: 0 });
    await eventually("v2 on the VM's console", () => host.vmLog("www").includes("slipway-test-kernel v2"), 20_000);
    expect(host.vmPid("www")).not.toBe(pid);

    expect(await run(host, "albatross-client", ["destroy", "www"])).toMatchObject({ code: 0 });
    expect(host.vmPid("www")).toBeNull();
    const gone = await run(host, "albatross-client", ["info", "www"]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("VM www not found");
    expect((await run(host, "albatross-client", ["destroy", "www"])).code).not.toBe(0);
  });

  it("refuses bad arguments without running anything", async () => {
    const marker = path.join(host.runDir, "pwned");
    const cases = [
      ["create", "--mem=$(touch " + marker + ")", "x", serviceV1],
      ["create", "--mem=32", "x;touch " + marker, serviceV1],
      ["create", "--mem=32", "--net=a;b", "x", serviceV1],
      ["create", "--mem=32", "x"],
      ["create", "--mem=32", "x", "/no/such/image"],
      ["create", "--bogus", "x", serviceV1],
      ["info", "$(id)"],
      ["launch", "x"],
    ];
    for (const args of cases) expect((await run(host, "albatross-client", args)).code, args.join(" ")).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(host.vmPid("x")).toBeNull();
  });
});

describe("the stand-ins through a real sshd", () => {
  let host: UnikernelHost;
  let sshd: Sshd;
  const deployer = generateDeployerKeyPair("slipway@test");

  beforeAll(async () => {
    host = await createUnikernelHost();
    sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { PATH: host.path } });
  });
  afterAll(async () => {
    await sshd?.stop();
    await host?.cleanup();
  });

  /** Runs argv on the host through ssh2, as one quoted command; collects its output. */
  async function remote(argv: string[]): Promise<Run> {
    const client = await openSsh({ address: sshd.address, port: sshd.port, user: sshd.user, pinnedKeys: sshd.hostKeys, privateKey: deployer.privateKey });
    try {
      return await new Promise<Run>((resolve, reject) => {
        client.exec(remoteCommand(argv), (err, channel) => {
          if (err) return reject(err);
          let stdout = "";
          let stderr = "";
          let code = -1;
          channel.on("data", (d: Buffer) => (stdout += d.toString()));
          channel.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          channel.on("exit", (c: number | null) => (code = c ?? -1));
          channel.on("close", () => resolve({ code, stdout, stderr }));
        });
      });
    } finally {
      client.end();
    }
  }

  it("a session finds systemctl and albatross-client first on PATH; detached QEMUs outlive the session", async () => {
    expect((await remote(["sh", "-c", 'command -v systemctl; command -v albatross-client'])).stdout).toBe(`${host.binDir}/systemctl\n${host.binDir}/albatross-client\n`);

    await fs.mkdir(path.join(host.unikernelDir, "www"), { recursive: true });
    await fs.copyFile(serviceV1, path.join(host.unikernelDir, "www", "current"));
    expect(await remote(["systemctl", "restart", "unikernel@www"])).toMatchObject({ code: 0 });
    await eventually("v1 on the unit's serial log", () => host.unitLog("www").includes("slipway-test-kernel v1"), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await remote(["systemctl", "is-active", "unikernel@www"])).toMatchObject({ code: 0, stdout: "active\n" });
    expect(await remote(["systemctl", "stop", "unikernel@www"])).toMatchObject({ code: 0 });
    expect(await remote(["systemctl", "is-active", "unikernel@www"])).toMatchObject({ code: 3 });

    expect(await remote(["albatross-client", "create", "--force", "--mem=64", "--net=service", "mirage-www", serviceV2])).toMatchObject({ code: 0 });
    await eventually("v2 on the VM's console", () => host.vmLog("mirage-www").includes("slipway-test-kernel v2"), 20_000);
    expect((await remote(["albatross-client", "info", "mirage-www"])).code).toBe(0);
    expect(await remote(["albatross-client", "destroy", "mirage-www"])).toMatchObject({ code: 0 });
    expect((await remote(["albatross-client", "info", "mirage-www"])).code).not.toBe(0);
  });
});
