// One LISTEN connection per web process for live logs: the log store sends NOTIFY slipway_log
// '<kind>:<id>:<seq>' with every chunk it appends, and triggers on builds and deployments send '<kind>:<id>'
// when the state changes (prisma/migrations/*_log_truncated_flag_and_live_notify). Viewers subscribe to
// '<kind>:<id>' and are woken; they then read what is new from the store themselves, so a notification
// carries no log text and a lost one costs only latency (viewers keep a slow fallback poll).
//
// The connection is dedicated (a pooled one would drop the LISTEN when returned) and opened on the first
// subscription. When it is lost it reconnects by itself with a growing delay, and on every (re)connect it
// wakes every subscriber, since notifications sent while it was down are gone.
import pg from "pg";
import { log } from "@/lib/log";

export const LOG_CHANNEL = "slipway_log";
/** how this connection shows in pg_stat_activity (and how a test finds it to terminate it) */
export const LOG_LISTENER_APPLICATION = "slipway-log-listener";

export interface LogListenerOptions {
  /** the database to listen on; read when connecting, so a test's DATABASE_URL set later is used */
  connectionString: () => string;
  /** first reconnect delay; doubles up to maxBackoffMs */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** an unanswered connect is abandoned and retried after this */
  connectTimeoutMs?: number;
}

type Wake = () => void;

export class LogListener {
  private client: pg.Client | null = null;
  private connecting = false;
  private closed = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private readonly subscribers = new Map<string, Set<Wake>>();
  /** times the connection was (re)established and LISTEN issued; for tests and the benchmark */
  connects = 0;

  constructor(private readonly opts: LogListenerOptions) {}

  /** Calls `wake` whenever '<kind>:<id>' is notified (and after a reconnect); returns the unsubscribe. */
  subscribe(key: string, wake: Wake): () => void {
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(wake);
    this.ensureConnected();
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.subscribers.get(key) === set) this.subscribers.delete(key);
    };
  }

  /** LISTEN is in effect: a notification sent now will be delivered. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Resolves once LISTEN is in effect (tests, the benchmark), or rejects after `timeoutMs`. */
  async ready(timeoutMs = 10_000): Promise<void> {
    this.ensureConnected();
    const deadline = Date.now() + timeoutMs;
    while (!this.listening) {
      if (Date.now() > deadline) throw new Error(`the log listener did not connect to the database within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    this.subscribers.clear();
    if (c) await c.end().catch(() => undefined);
  }

  private ensureConnected(): void {
    if (this.closed || this.client || this.connecting || this.retry) return;
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    let client: pg.Client;
    try {
      client = new pg.Client({
        connectionString: this.opts.connectionString(),
        application_name: LOG_LISTENER_APPLICATION,
        connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 10_000,
        // a half-open TCP connection (the database host gone) is noticed instead of waiting forever
        keepAlive: true,
      });
    } catch (err) {
      this.connecting = false;
      this.scheduleRetry(err);
      return;
    }
    // an error event without a listener would crash the process; the connection is re-made instead
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("the connection ended")));
    client.on("notification", (msg) => {
      if (msg.channel !== LOG_CHANNEL || !msg.payload) return;
      // '<kind>:<id>' or '<kind>:<id>:<seq>'
      const [kind, id] = msg.payload.split(":");
      this.wake(`${kind}:${id}`);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LOG_CHANNEL}`);
    } catch (err) {
      this.connecting = false;
      await client.end().catch(() => undefined);
      this.scheduleRetry(err);
      return;
    }
    this.connecting = false;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.connects++;
    // anything stored while there was no LISTEN went unannounced: every viewer looks once
    for (const key of this.subscribers.keys()) this.wake(key);
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.closed) return;
    log.warn({ err: err instanceof Error ? err.message : String(err) }, "the live-log listener lost its database connection; reconnecting");
    client.end().catch(() => undefined);
    this.scheduleRetry(err);
  }

  private scheduleRetry(err: unknown): void {
    if (this.closed || this.retry) return;
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 10_000;
    const delay = Math.min(max, min * 2 ** this.failures);
    this.failures++;
    if (this.failures > 1) log.warn({ err: err instanceof Error ? err.message : String(err), delayMs: delay }, "the live-log listener could not connect; trying again");
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.ensureConnected();
    }, delay);
    this.retry.unref();
  }

  private wake(key: string): void {
    const set = this.subscribers.get(key);
    if (!set) return;
    for (const w of [...set]) w();
  }
}

const globalForListener = globalThis as unknown as { slipwayLogListener?: LogListener };

/** The process's listener (kept on globalThis, like the Prisma client, so dev reloads reuse it). */
export function logListener(): LogListener {
  globalForListener.slipwayLogListener ??= new LogListener({
    connectionString: () => {
      const url = process.env.DATABASE_URL;
      if (!url) throw new Error("DATABASE_URL is not set; the live-log listener cannot connect");
      return url;
    },
  });
  return globalForListener.slipwayLogListener;
}

/** Closes the process's listener (with the database pool: tests between databases, scripts on exit). */
export async function closeLogListener(): Promise<void> {
  const l = globalForListener.slipwayLogListener;
  globalForListener.slipwayLogListener = undefined;
  if (l) await l.close();
}
