// Runs an npm script in a directory as a user types it in a terminal: its own process group (Ctrl-C reaches
// npm and everything under it), with an environment free of this test run's variables.
import { spawn, type ChildProcess } from "node:child_process";
import { waitForExit, type ScriptResult } from "@/test/helpers/spawn";

const NOT_THE_USERS = /^(VITEST|TEST_DATABASE_URL$|DATABASE_URL$|NODE_ENV$|PORT$|HOST$|NEXTAUTH_URL$|SLIPWAY_|LOG_LEVEL$)/;

/** The environment a user's shell would have: this one without vitest's and Slipway's variables, plus `extra`. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!NOT_THE_USERS.test(k)) env[k] = v;
  // without NODE_ENV, as in a user's shell (the project's types declare it always set)
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

export interface NpmRun {
  child: ChildProcess;
  output(): string;
  /** resolves when `text` has been printed; rejects when the command exits first or after timeoutMs */
  printed(text: string, timeoutMs: number): Promise<void>;
  /** Ctrl-C: SIGINT to the whole process group */
  interrupt(): void;
  /** SIGKILL to the whole group, when a test failed half-way */
  kill(): void;
}

export function npmRun(cwd: string, args: string[], env: NodeJS.ProcessEnv): NpmRun {
  const child = spawn("npm", args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const group = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => out,
    async printed(text, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm ${args.join(" ")} exited (${child.exitCode ?? child.signalCode}) before printing "${text}":\n${out}`);
        if (Date.now() > deadline) throw new Error(`npm ${args.join(" ")} did not print "${text}" within ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    interrupt: () => group("SIGINT"),
    kill: () => group("SIGKILL"),
  };
}

/** Runs `npm args…` to the end (SIGKILL to its group after timeoutMs). */
export function npmRunToEnd(cwd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ScriptResult> {
  const run = npmRun(cwd, args, env);
  const timer = setTimeout(() => run.kill(), timeoutMs);
  return waitForExit(run.child, timeoutMs + 10_000).finally(() => clearTimeout(timer));
}
