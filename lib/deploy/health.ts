// A target's HTTP health check, reached from the worker after the service converged: GET the URL until it
// answers 2xx, within a window. Each request has its own timeout; the caller's signal stops it all.

export type HealthResult = { ok: true; status: number; attempts: number } | { ok: false; message: string; attempts: number };

const REQUEST_TIMEOUT_MS = 5_000;

/** An http(s) URL without credentials, or an error in words. */
export function parseHealthUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`the health URL "${text.slice(0, 200)}" is not a URL; write it like https://app.example.org/healthz`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`the health URL must be http:// or https://, not ${url.protocol}`);
  if (url.username || url.password) throw new Error("the health URL must not carry a user or password");
  return url;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Polls `url` every `intervalMs` until it answers 2xx or `windowMs` has passed. Lines for the deployment log
 * go to `log`: the first answer, and each change of answer (not one line per poll).
 */
export async function waitForHealthy(
  urlText: string,
  opts: { windowMs: number; intervalMs?: number; signal: AbortSignal; log: (line: string) => void },
): Promise<HealthResult> {
  const url = parseHealthUrl(urlText);
  const deadline = Date.now() + opts.windowMs;
  const interval = opts.intervalMs ?? 1_000;
  let attempts = 0;
  let last = "";
  for (;;) {
    if (opts.signal.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error("cancelled");
    attempts++;
    let answer: string;
    let status = 0;
    const perRequest = AbortSignal.any([opts.signal, AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, Math.max(500, deadline - Date.now())))]);
    try {
      const res = await fetch(url, { signal: perRequest, redirect: "manual", headers: { "user-agent": "Slipway health check" } });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      answer = `HTTP ${res.status}`;
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error("cancelled");
      const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      answer = e.name === "TimeoutError" ? "no answer within the request timeout" : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
    }
    if (answer !== last) {
      opts.log(`health ${url.origin}${url.pathname}: ${answer}`);
      last = answer;
    }
    if (status >= 200 && status < 300) return { ok: true, status, attempts };
    if (Date.now() + interval > deadline) {
      return { ok: false, attempts, message: `${url.origin}${url.pathname} did not answer 2xx within ${Math.round(opts.windowMs / 1000)} s (last: ${answer})` };
    }
    await sleep(interval, opts.signal);
  }
}
