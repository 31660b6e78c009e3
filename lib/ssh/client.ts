// One ssh2 connection attempt, bounded by a timeout and an AbortSignal: resolves with the logged-in client,
// or rejects with an SshError in words. ssh2 is CommonJS without reliable named ESM exports: import the default.
import ssh2, { type ConnectConfig } from "ssh2";
import { abortedError, endpoint, explainSshFailure, SshError, timeoutError } from "@/lib/ssh/errors";

export interface AttemptOptions {
  address: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface AttemptHooks {
  /** called with the new client before it connects, to listen to events such as "banner" */
  setup?: (client: ssh2.Client) => void;
  /** may replace the error a failed attempt rejects with (e.g. with what the host verifier saw) */
  explain?: (err: unknown) => Error | undefined;
}

/**
 * Connects with `config` and waits for "ready" (handshake and login done). On any failure the connection is
 * destroyed. After it resolves, the client keeps an "error" listener of its own, so a later error never
 * crashes the process: attach yours too.
 */
export function connectClient(config: ConnectConfig, opts: AttemptOptions, hooks: AttemptHooks = {}): Promise<ssh2.Client> {
  const { address, port, timeoutMs, signal } = opts;
  if (signal?.aborted) return Promise.reject(abortedError(address, port, signal.reason));

  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    const finish = (err: unknown | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (err === undefined) return resolve(client);
      client.destroy();
      reject(hooks.explain?.(err) ?? explainSshFailure(err, address, port, timeoutMs));
    };
    const onAbort = () => finish(abortedError(address, port, signal?.reason));
    const timer = setTimeout(() => finish(timeoutError(address, port, timeoutMs)), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });

    hooks.setup?.(client);
    client.on("ready", () => finish(undefined));
    client.on("error", (err) => finish(err));
    client.on("close", () => finish(new SshError("closed", `${endpoint(address, port)} closed the connection before the login finished.`)));
    try {
      client.connect({ ...config, host: address, port, readyTimeout: timeoutMs });
    } catch (err) {
      // ssh2 throws synchronously for configuration problems; its messages name the problem, never the key
      const message = err instanceof Error ? err.message : String(err);
      finish(
        /privateKey/i.test(message)
          ? new SshError("bad_private_key", `The private key cannot be used (${message}). Generate a new deployer key and install its public key on the host.`)
          : new SshError("protocol", `Cannot connect to ${endpoint(address, port)}: ${message}.`),
      );
    }
  });
}
