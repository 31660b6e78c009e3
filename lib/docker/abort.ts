// docker-modem does not settle a request whose answer had begun when its connection dropped, so an
// AbortSignal handed to dockerode is not enough to get control back. This settles the caller's promise
// when the signal aborts, whatever the request does afterwards. (SSH sessions use it too: an SFTP request
// cannot be taken back either.)

/**
 * `p`, or a rejection as soon as `signal` aborts: with the signal's reason, or with what `why()` says then
 * (for a message that tells a deadline from a cancellation).
 */
export function settleOnAbort<T>(p: Promise<T>, signal: AbortSignal, why?: () => Error): Promise<T> {
  // the abandoned promise may still reject later: that must not become an unhandled rejection
  p.catch(() => undefined);
  const reason = () => why?.() ?? (signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
