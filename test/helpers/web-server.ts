// The production console (`npm run web` on the checkout's build) on a port of the test's own, as the HTTP tests
// (authz matrix, /api/v1, the CLI) run it: refuses a port something already answers on, starts the server at
// once (the caller seeds rows meanwhile), `ready()` waits for /api/health, `stop()` ends it.
import { eventually } from "@/test/helpers/eventually";
import { npmRun, userEnv, type NpmRun } from "@/test/helpers/npm";
import { waitForExit } from "@/test/helpers/spawn";

export interface WebServer {
  base: string;
  server: NpmRun;
  /** resolves when /api/health answers 2xx; rejects with the server's output if it exits or never does */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the console on 127.0.0.1:`port` with DATABASE_URL and SLIPWAY_SECRET_KEY from this process and `env`
 * on top. `portVariable` names the variable that moves the test's port, for the "already answers" message.
 */
export async function startWebServer(root: string, port: number, portVariable: string, env: Record<string, string> = {}): Promise<WebServer> {
  const base = `http://127.0.0.1:${port}`;
  // another server on the port would answer the health check in this one's place
  const taken = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false);
  if (taken) throw new Error(`something already answers on ${base}; stop it, or set ${portVariable} to a free port`);
  const server = npmRun(root, ["run", "web"], userEnv({
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: process.env.DATABASE_URL!,
    SLIPWAY_URL: base,
    SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY!,
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
    ...env,
  }));
  return {
    base,
    server,
    async ready() {
      try {
        await eventually(`the console answering on ${base}`, async () => {
          if (server.child.exitCode !== null) throw new Error(`npm run web exited (${server.child.exitCode})`);
          const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
          return res?.ok ?? false;
        }, 180_000, 500);
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}; its output:\n${server.output()}`);
      }
    },
    async stop() {
      if (server.child.exitCode !== null || server.child.signalCode !== null) return;
      server.interrupt();
      await waitForExit(server.child, 30_000).catch(() => server.kill());
    },
  };
}
