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

/** A queued deployment waiting for its next attempt after a transient failure, as the console shows it. */
export interface DeploymentRetryView {
  waitingFor: string;
  /** attempts made so far (each failed) */
  attempts: number;
  retryAt: Date;
  /** no attempt after this */
  until: Date | null;
  /** the last attempt's failure, in words */
  reason: string | null;
}

/** The retry view of a deployment row: only while it is queued with a next attempt. */
export function retryView(d: { state: string; retryAt: Date | null; retryUntil: Date | null; retryWaitingFor: string | null; attempts: number; reason: string | null }): DeploymentRetryView | null {
  if (d.state !== "queued" || !d.retryAt) return null;
  return { waitingFor: d.retryWaitingFor ?? "the target", attempts: d.attempts, retryAt: d.retryAt, until: d.retryUntil, reason: d.reason };
}
