// Starts e2e/support/serve.ts (Slipway + embedded PostgreSQL + GitHub stand-in) and stops it afterwards.
// The specs find the server and its database in process.env (E2E_BASE_URL, E2E_DATABASE_URL), and the
// services it started as JSON (E2E_SSHD, E2E_BUILD, E2E_SWARM, E2E_UNIKERNEL).
import { spawn } from "node:child_process";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import type { E2ESwarm, E2EUnikernel } from "./support/serve";

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const port = Number(process.env.E2E_PORT ?? 3900);
  const child = spawn(process.execPath, [path.join("node_modules", "tsx", "dist", "cli.mjs"), "e2e/support/serve.ts"], {
    env: { ...process.env, E2E_PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
    // its own process group: tsx runs the server in a child process, which a kill of `child` alone would orphan
    detached: true,
  });
  type Ready = { baseURL: string; databaseUrl: string; github: string; sshd: { port: number; user: string; dir: string; fingerprints: string[] };
    build: { dockerEndpoint: string; gitUrl: string; sha: string };
    swarm: E2ESwarm;
    unikernel: E2EUnikernel;
  };
  const ready = await new Promise<Ready>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("the e2e server did not become ready in 120 s")), 120_000);
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(/^READY (.+)$/m);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]!) as Ready);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the e2e server exited with code ${code} before it was ready:\n${buf}`));
    });
  });
  child.stdout!.on("data", (d: Buffer) => process.stdout.write(d));
  process.env.E2E_BASE_URL = ready.baseURL;
  process.env.E2E_DATABASE_URL = ready.databaseUrl;
  process.env.E2E_GITHUB_URL = ready.github;
  process.env.E2E_SSHD = JSON.stringify(ready.sshd);
  process.env.E2E_BUILD = JSON.stringify(ready.build);
  process.env.E2E_SWARM = JSON.stringify(ready.swarm);
  process.env.E2E_UNIKERNEL = JSON.stringify(ready.unikernel);
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    // still stopping after 20 s (a job that does not end): the whole group, server and the daemons it started
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  };
}
