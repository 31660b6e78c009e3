// An environment's check URLs, asked when a release is promoted from it: each must answer 2xx (redirects are
// not followed) within CHECK_TIMEOUT_MS. Asked in the request, bounded, like the other checks a person asks for.
import { seconds } from "@/lib/seconds";

export const CHECK_TIMEOUT_MS = 10_000;

/** What is wrong with each URL that did not answer 2xx, in words ("https://… answered 503"); empty: all did. */
export async function checkUrlProblems(urls: readonly string[], timeoutMs = CHECK_TIMEOUT_MS): Promise<string[]> {
  const answers = await Promise.all(
    urls.map(async (url): Promise<string | null> => {
      try {
        const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), headers: { "user-agent": "Slipway promotion check" } });
        await res.body?.cancel().catch(() => undefined);
        return res.status >= 200 && res.status < 300 ? null : `${url} answered ${res.status}`;
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
        if (e.name === "TimeoutError") return `${url} did not answer within ${seconds(timeoutMs)}`;
        return `${url} could not be reached (${e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)})`;
      }
    }),
  );
  return answers.filter((a): a is string => a !== null);
}
