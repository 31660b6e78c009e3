// A private Docker Engine for tests: its own socket, data-root and exec-root in a short directory under
// /tmp, no default bridge and no iptables rules (so several daemons can run side by side without sharing
// docker0 or the host's firewall), stopped with the test or, even on SIGKILL, when the test process dies
// (setpriv --pdeathsig).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import Dockerode from "dockerode";
import { freePort, spawnDaemon, stopDaemon } from "@/test/helpers/processes";

export const DOCKERD = "/usr/sbin/dockerd";
const NSENTER = "/usr/bin/nsenter";

export interface TestDockerd {
  /** DIR/docker.sock */
  socketPath: string;
  /** unix://DIR/docker.sock */
  endpoint: string;
  dir: string;
  /** the daemon's log (dockerd and its containerd) */
  logFile: string;
  /** the API requests in the log so far (needs `debug`) */
  apiCalls(): string[];
  /** a client for test setup (not the code under test) */
  docker: Dockerode;
  /**
   * Stops the daemon (SIGTERM, as `systemctl stop docker` does) and keeps its directory: its images, and its
   * swarm state when it is a manager. Its containers stop with it. `{ signal: "SIGKILL" }` kills it instead
   * (no clean-up: its containerd goes with it, its socket file stays behind).
   */
  pause(opts?: { signal?: "SIGTERM" | "SIGKILL" }): Promise<void>;
  /** Starts it again on the same socket and data-root; a swarm manager comes back with its swarm. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartDockerdOptions {
  /** `docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:<free port>` once it is up (see swarmAddress) */
  swarmInit?: boolean;
  /** --debug: the log then names every API request ("Calling GET /version") */
  debug?: boolean;
  /**
   * The address `swarmInit` advertises and listens on, instead of 127.0.0.1: a node in another network
   * namespace cannot reach the host's loopback (test/helpers/swarm-node.ts passes the veth's host side).
   */
  swarmAddress?: string;
  /** --insecure-registry for each (host:port or a CIDR): plain-HTTP registries outside 127.0.0.0/8 */
  insecureRegistries?: string[];
  /**
   * Runs the daemon inside this network namespace (`nsenter --net=/var/run/netns/NAME`, not `ip netns exec`,
   * which would also remount /sys). Its socket and directories stay on the host's filesystem. Its bridge
   * devices live in the namespace and go with it, so stop() leaves the host's devices alone.
   */
  netns?: string;
}



function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}


function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Mounts left under DIR (overlay layers of containers that were running), deepest first. */
function mountsUnder(dir: string): string[] {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1]?.replace(/\\040/g, " "))
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)));
  return mounts.sort((a, b) => b.length - a.length);
}

function removeDir(dir: string): void {
  for (const mount of mountsUnder(dir)) {
    try {
      execFileSync("/usr/bin/umount", ["--lazy", mount], { stdio: "ignore" });
    } catch {
      // already gone, or busy: rmSync below skips what it cannot remove
    }
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    console.warn(`could not remove ${dir}: ${(err as Error).message}`);
  }
}

/**
 * containerd shims of this daemon still running after it stopped: a dockerd killed with SIGKILL leaves the shims of
 * its running containers behind (they outlive containerd by design), and the next daemon does not take them back.
 * Found by their -address under DIR, killed by pid.
 */
function killOrphanShims(dir: string): void {
  const address = `${path.join(dir, "exec", "containerd")}/`;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args[0]?.endsWith("containerd-shim-runc-v2") && args.some((a) => a.startsWith(address))) process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

const IP = existsSync("/usr/sbin/ip") ? "/usr/sbin/ip" : "/bin/ip";

/** The host bridge devices of the daemon's bridge networks (br-<id>, or the name the network was given). */
async function bridgeDevices(docker: Dockerode): Promise<string[]> {
  try {
    const networks = await docker.listNetworks({ abortSignal: AbortSignal.timeout(5_000) } as object);
    return networks
      .filter((n) => n.Driver === "bridge")
      .map((n) => n.Options?.["com.docker.network.bridge.name"] ?? `br-${n.Id.slice(0, 12)}`)
      .filter((name) => name.startsWith("br-") || name === "docker_gwbridge");
  } catch {
    return [];
  }
}

function removeBridges(own: string[]): void {
  // docker_gwbridge is shared by every swarm-mode daemon on the host: the last daemon out removes it
  const devices = own.includes("docker_gwbridge") ? own : [...own, "docker_gwbridge"];
  for (const dev of devices) {
    if (dev === "docker_gwbridge") {
      try {
        execFileSync("/usr/bin/pgrep", ["-x", "dockerd"], { stdio: "ignore" });
        continue;
      } catch {
        // no dockerd left
      }
    }
    try {
      execFileSync(IP, ["link", "delete", dev], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
}

export async function startDockerd(opts: StartDockerdOptions = {}): Promise<TestDockerd> {
  if (!existsSync(DOCKERD)) throw new Error("docker.io is not installed; run scripts/setup.sh");
  // unix socket paths hold at most 107 bytes, and containerd's sockets live deeper under the exec-root
  const dir = mkdtempSync("/tmp/sw-dk-");
  const socketPath = path.join(dir, "docker.sock");
  const logFile = path.join(dir, "dockerd.log");
  const args = [
    `--host=unix://${socketPath}`,
    `--data-root=${path.join(dir, "data")}`,
    `--exec-root=${path.join(dir, "exec")}`,
    `--pidfile=${path.join(dir, "dockerd.pid")}`,
    "--storage-driver=overlay2",
    // no docker0 and no iptables chains: a daemon per test file must not touch the host's network setup
    "--bridge=none",
    "--iptables=false",
    "--ip-masq=false",
    ...(opts.debug ? ["--debug"] : []),
    ...(opts.insecureRegistries ?? []).map((r) => `--insecure-registry=${r}`),
  ];
  // nsenter execs dockerd in place, so the pid (and setpriv's death signal) are dockerd's own
  const spawnIt = () =>
    opts.netns
      ? spawnDaemon(NSENTER, [`--net=/var/run/netns/${opts.netns}`, "--", DOCKERD, ...args], { logFile, deathSignal: "SIGTERM" })
      : spawnDaemon(DOCKERD, args, { logFile, deathSignal: "SIGTERM" });
  let child = spawnIt();
  let client: Dockerode | undefined;
  let bridges: string[] = [];

  const stop = async () => {
    // the bridge devices of this daemon's networks outlive it in the host's network namespace: without
    // removing them, runs use up Docker's default address pools ("could not find an available,
    // non-overlapping IPv4 address pool")
    if (client && !opts.netns && child.exitCode === null && child.signalCode === null) bridges = await bridgeDevices(client);
    // dockerd stops its containerd and containers first; give it time, then insist
    await stopDaemon(child, 15_000);
    killOrphanShims(dir);
    if (!opts.netns) removeBridges(bridges);
    removeDir(dir);
  };

  const answered = async (timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (!(await ping(socketPath))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}) before answering:\n${tail(logFile)}`);
      }
      if (Date.now() > until) throw new Error(`dockerd did not answer /_ping on ${socketPath} within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const pause = async (p: { signal?: "SIGTERM" | "SIGKILL" } = {}) => {
    // remembered now: stop() needs them after the daemon is gone
    if (client && !opts.netns) bridges = await bridgeDevices(client);
    if (p.signal === "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await gone;
      // its containerd dies with it (a parent-death signal), but may not be reaped yet when resume() starts the
      // next dockerd, which would then take the stale pid file's process for a live containerd and wait on it
      rmSync(path.join(dir, "exec", "containerd", "containerd.pid"), { force: true });
      return;
    }
    await stopDaemon(child, 15_000);
  };
  const resume = async () => {
    if (child.exitCode === null && child.signalCode === null) return;
    child = spawnIt();
    // a restart first cleans up what the stopped containers left (about a second per sandbox on a loaded machine)
    await answered(180_000);
  };

  try {
    await answered(30_000);
    const docker = new Dockerode({ socketPath, host: undefined, protocol: "http" });
    client = docker;
    if (opts.swarmInit) {
      const port = await freePort();
      const address = opts.swarmAddress ?? "127.0.0.1";
      await docker.swarmInit({ ListenAddr: `${address}:${port}`, AdvertiseAddr: address });
    }
    const apiCalls = () => [...readFileSync(logFile, "utf8").matchAll(/msg="Calling (\w+ [^"]+)"/g)].map((m) => m[1]!);
    return { socketPath, endpoint: `unix://${socketPath}`, dir, logFile, apiCalls, docker, pause, resume, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
