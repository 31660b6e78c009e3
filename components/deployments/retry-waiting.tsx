"use client";
// A deployment waiting for its next attempt after a transient failure (a host, sshd, dockerd or registry briefly
// down): "waiting for manager (127.0.0.1:2222): attempt 3, next in 40 s", counting down each second, with the last
// failure and the end of the retry window. The page is refreshed from the server while it waits, so the next
// attempt's start (or its end) shows without a reload.
import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { retryWords, type DeploymentRetryView } from "@/lib/validation/deployment-retry";

/** How often the server is asked again while waiting (and, once the attempt is due, until it has started). */
const REFRESH_MS = 3_000;

export function RetryWaiting({ retry, now: serverNow, compact = false }: { retry: DeploymentRetryView; now: Date; compact?: boolean }) {
  const router = useRouter();
  const [now, setNow] = useState(() => serverNow.getTime());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1_000);
    const refresh = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, REFRESH_MS);
    return () => {
      clearInterval(tick);
      clearInterval(refresh);
    };
  }, [router]);
  const words = retryWords({ waitingFor: retry.waitingFor, attempts: retry.attempts, retryAt: retry.retryAt, now: new Date(now) });
  const until = retry.until ? retry.until.toISOString().slice(11, 19) : null;
  return (
    <span className="block" data-testid="deployment-retry">
      <strong className="font-medium">{words.charAt(0).toUpperCase() + words.slice(1)}</strong>
      {compact ? null : (
        <>
          {retry.reason ? <span className="block break-words">Last attempt: {retry.reason}</span> : null}
          <span className="block text-xs opacity-80">
            Slipway retries a host, sshd, dockerd or registry that is briefly down{until ? ` until ${until} UTC` : ""}, then fails the deployment. Cancel stops it.
          </span>
        </>
      )}
    </span>
  );
}
