// The words of a deployment waiting to retry after a transient failure, for the worker's log and audit event and
// for the console alike: "waiting for manager (127.0.0.1:2222): attempt 3, next in 40 s".

/** Seconds until `at`, rounded up, never below 0. */
export function secondsUntil(at: Date, now: Date): number {
  return Math.max(0, Math.ceil((at.getTime() - now.getTime()) / 1000));
}

/** `attempts`: how many attempts were made (each failed); the next one runs at `retryAt`. */
export function retryWords(r: { waitingFor: string; attempts: number; retryAt: Date; now: Date }): string {
  const left = secondsUntil(r.retryAt, r.now);
  return `waiting for ${r.waitingFor}: attempt ${r.attempts}, ${left > 0 ? `next in ${left} s` : "next attempt due now"}`;
}
