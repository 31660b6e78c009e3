// Runs the project's TypeScript entry points as the npm scripts do (`node --import tsx FILE`).
import { spawn, type ChildProcess } from "node:child_process";

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startScript(file: string, args: string[] = [], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Collects a started script's output until it exits (killed with SIGKILL after timeoutMs). */
export function waitForExit(child: ChildProcess, timeoutMs = 30_000): Promise<ScriptResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${child.spawnargs.join(" ")} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // let the pipes drain
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

export function runScript(file: string, args: string[] = [], env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<ScriptResult> {
  return waitForExit(startScript(file, args, env), timeoutMs);
}
