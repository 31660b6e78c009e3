// What a worker process does with a promise rejection nobody handled: Node's default (the process ends with
// the error), except for one known fault of graphile-worker 0.17 that it recovers from by itself.
//
// When PostgreSQL goes away, graphile-worker's LISTEN client releases its pool client from an async function
// that nobody awaits (`release()` in its main.js, called from the client's error handler). When pg-pool has
// already taken the client back, the second release throws "Release called on client which has already been
// released to the pool." and the rejection is unhandled: Node would end a worker that graphile-worker is
// about to reconnect anyway (it schedules the reconnect before that rejection). Seen in
// test/faults/postgres-restart.test.ts under load. Keep graphile-worker pinned: a newer one may fix or move it.
import { log } from "@/lib/log";

const DOUBLE_RELEASE = "Release called on client which has already been released to the pool.";

/** The known graphile-worker listener double release, by its message and where it was thrown. */
export function isListenerDoubleRelease(reason: unknown): boolean {
  return reason instanceof Error && reason.message === DOUBLE_RELEASE && /[\\/]graphile-worker[\\/]/.test(reason.stack ?? "");
}

let installed = false;

/** Installs the process's unhandledRejection handler (once). */
export function guardUnhandledRejections(): void {
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", (reason) => {
    if (isListenerDoubleRelease(reason)) {
      log.warn({ err: reason }, "graphile-worker released its LISTEN connection twice after a database error; it reconnects by itself, the worker goes on");
      return;
    }
    // anything else ends the process as Node would without this handler: the error and its stack, exit code 1
    process.nextTick(() => {
      throw reason instanceof Error ? reason : new Error(`unhandled promise rejection: ${String(reason)}`);
    });
  });
}
