// What the test services (dockerd, docker-registry, sshd) share: a free loopback port, and daemons started
// so that they die with the test process (setpriv --pdeathsig, and an exit hook), stopped with a grace time.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import net from "node:net";

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts `binary args` with its output appended to logFile; it is killed if this process exits or dies. */
export function spawnDaemon(binary: string, args: string[], opts: { logFile: string; deathSignal?: NodeJS.Signals }): ChildProcess {
  const log = openSync(opts.logFile, "a");
  const child = spawn("/usr/bin/setpriv", ["--pdeathsig", opts.deathSignal ?? "SIGKILL", "--", binary, ...args], { stdio: ["ignore", log, log] });
  closeSync(log);
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!exitHookInstalled) {
    process.on("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
    exitHookInstalled = true;
  }
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
export async function stopDaemon(child: ChildProcess, graceMs: number): Promise<void> {
  if (!running.has(child)) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}
