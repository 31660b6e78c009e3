// docker-modem does not settle a request whose answer had begun when its connection dropped, so an
// AbortSignal handed to dockerode is not enough to get control back. This settles the caller's promise
// when the signal aborts, whatever the request does afterwards.

/** `p`, or a rejection with the signal's reason as soon as `signal` aborts. */
export function settleOnAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  // the abandoned promise may still reject later: that must not become an unhandled rejection
  p.catch(() => undefined);
  const reason = () => (signal.reason instanceof Error ? signal.reason : new Error("aborted"));
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
