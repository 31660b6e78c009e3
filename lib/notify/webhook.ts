// Outgoing webhooks to a generic HTTPS endpoint: the signature (docs/webhooks.md) and the POST that delivers
// one envelope. The URL may carry a credential in its path or query: it never appears in an error or a log
// line; errors name the channel instead. Answers are classified for the delivery log (lib/services/notifications).
import { createHmac, randomBytes } from "node:crypto";
import { seconds } from "@/lib/seconds";
import { isSecureOrLoopbackUrl } from "@/lib/validation/loopback";
import { isLinkLocalOrMetadataHost } from "@/lib/validation/ip-address";
import { readAnswer } from "@/lib/notify/read-answer";

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** A new signing secret: "whsec_" and 32 random bytes in base64url. The HMAC key is the whole string, as UTF-8. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

/** The Slipway-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * How an attempt ended: `delivered` (2xx), `refused` (an answer that retrying will not change: 3xx, 4xx but
 * 408 and 429, a URL Slipway will not use) or `retry` (5xx, 408, 429, timeout, connection refused or reset).
 */
export interface AttemptOutcome {
  result: "delivered" | "refused" | "retry";
  status: number | null;
  /** what went wrong, in words; null when delivered */
  error: string | null;
}

/** Why a URL may not be used, in words, or null when it may. */
export function webhookUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (!isSecureOrLoopbackUrl(u)) return "is not an https:// URL (plain http only to a loopback address such as 127.0.0.1)";
  if (u.username || u.password) return "carries a user or password";
  if (isLinkLocalOrMetadataHost(u.hostname)) return "names a link-local or cloud metadata address";
  return null;
}

export interface WebhookRequest {
  url: string;
  /** the envelope, serialized once: the signature is over these exact bytes */
  body: string;
  event: string;
  deliveryId: string;
  secret: string;
  channelName: string;
  /** the signature's timestamp (unix seconds); now by default */
  unixSeconds?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** POSTs one signed envelope. Never throws for the endpoint's sake: the outcome says what happened, in words. */
export async function postWebhook(req: WebhookRequest): Promise<AttemptOutcome> {
  const where = `the webhook of channel ${req.channelName}`;
  const problem = webhookUrlProblem(req.url);
  if (problem) return { result: "refused", status: null, error: `The URL of ${where} ${problem}: enter an https:// URL under Settings → Notifications.` };
  const timeoutMs = req.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  req.signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
  const t = req.unixSeconds ?? Math.floor(Date.now() / 1000);
  let status: number;
  let answer: string;
  try {
    const res = await fetch(req.url, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Slipway-Webhook/1",
        "slipway-event": req.event,
        "slipway-delivery": req.deliveryId,
        "slipway-signature": signatureHeader(req.secret, req.body, t),
      },
      body: req.body,
      // a redirect could carry the event somewhere else, or to plain http
      redirect: "manual",
      signal,
    });
    status = res.status;
    answer = (await readAnswer(res, 2048)).trim();
  } catch (err) {
    req.signal?.throwIfAborted();
    if (deadline.aborted) return { result: "retry", status: null, error: `${where} did not answer within ${seconds(timeoutMs)}; Slipway will try again` };
    // fetch's own errors name the host at most; keep only the system's error code
    const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
    const code = typeof cause?.code === "string" ? ` (${cause.code})` : "";
    return { result: "retry", status: null, error: `Could not reach ${where}${code}: check that the endpoint is up and that Slipway can make HTTPS requests to it; Slipway will try again` };
  }
  if (status >= 200 && status < 300) return { result: "delivered", status, error: null };
  // an answer could echo the request: the URL (which may carry a token) never goes into a message
  let u: URL | null = null;
  try {
    u = new URL(req.url);
  } catch {
    u = null;
  }
  for (const secret of [req.url, u?.href ?? "", u?.search ?? "", u?.pathname ?? "", req.secret]) if (secret.length > 1) answer = answer.split(secret).join("[redacted]");
  const said = answer ? `: ${answer.replace(/\s+/g, " ").slice(0, 200)}` : "";
  if (status >= 500 || status === 408 || status === 429) return { result: "retry", status, error: `${where} answered HTTP ${status}${said}; Slipway will try again` };
  if (status >= 300 && status < 400) return { result: "refused", status, error: `${where} answered with a redirect (HTTP ${status}), which Slipway does not follow: enter the final URL under Settings → Notifications. Not retried.` };
  return { result: "refused", status, error: `${where} refused the event with HTTP ${status}${said}. Not retried: fix the endpoint, then redeliver.` };
}
