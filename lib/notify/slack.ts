// Notifications to Slack (deployments, failed builds, drift) through an incoming webhook: the message (Block Kit blocks with a
// plain `text` fallback for notifications) and the POST that delivers it.
//
// - Everything that comes from outside (commit messages, reasons, names) is escaped for mrkdwn: Slack
//   reads &, < and > as control characters, so "<!channel>" in a commit message stays text, not a mention.
// - Block Kit limits are kept (a section's text ≤ 3000 characters, a field ≤ 2000): long text is cut with …
// - The webhook URL is a secret (anyone holding it can post to the channel): it never appears in an error
//   message or a log line; errors name the channel instead.
import { isIP } from "node:net";
import { seconds } from "@/lib/seconds";
import type { NotificationEvent } from "@/lib/validation/notification-events";
import { readAnswer } from "@/lib/notify/read-answer";

export interface NotificationFacts {
  event: NotificationEvent;
  /** the target deployed to; null for a build */
  target: string | null;
  /** owner/name */
  repository: string;
  branch: string;
  commitSha: string;
  /** https://github.com/o/r/commit/sha, or null for repositories not on GitHub */
  commitUrl: string | null;
  commitMessage: string | null;
  image: string | null;
  /** the Slipway page of the deployment, build or target */
  pageUrl: string;
  actor: string | null;
  reason: string | null;
  /** drift: the image the target really runs */
  liveImage?: string | null;
  /** host.key_changed: the host and the key it presented */
  host?: { name: string; address: string; port: number; presented: string; pinned: string[] } | null;
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export const SLACK_TIMEOUT_MS = 10_000;

/** Slack did not take the message; `status` is Slack's HTTP status when it answered, `code` its error text. */
export class SlackError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "SlackError";
  }
}

// ─── the message ────────────────────────────────────────────────────────────────────────────────

const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const SUBJECT_MAX = 300;
const REASON_MAX = 2500;
const FALLBACK_SUBJECT_MAX = 100;

/** Escapes Slack's three control characters (&, <, >) in text read as mrkdwn. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `s` escaped, at most `max` characters long once escaped, cut with … between characters (never inside an entity). */
function escapedWithin(s: string, max: number): string {
  let out = "";
  for (const ch of s) {
    const piece = escapeMrkdwn(ch);
    if (out.length + piece.length > max - 1) return `${out}…`;
    out += piece;
  }
  return out;
}

/** The URL as it may stand inside <url|label>, or null when it is no http(s) URL (then the label stands alone). */
function linkTarget(url: string | null): string | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return null;
  // `|` would end the URL inside <url|label>; &, <, > are Slack's control characters
  return u.href.replace(/\|/g, "%7C").replace(/</g, "%3C").replace(/>/g, "%3E").replace(/&/g, "&amp;");
}

function link(url: string | null, label: string): string {
  const target = linkTarget(url);
  return target ? `<${target}|${escapeMrkdwn(label)}>` : escapeMrkdwn(label);
}

const firstLine = (s: string | null): string | null => {
  const line = s?.split(/\r?\n/, 1)[0]?.trim();
  return line ? line : null;
};

const EMOJI: Record<NotificationEvent, string> = {
  "deployment.pending_approval": ":hourglass_flowing_sand:",
  "deployment.started": ":rocket:",
  "deployment.succeeded": ":white_check_mark:",
  "deployment.failed": ":x:",
  "deployment.rolled_back": ":leftwards_arrow_with_hook:",
  "build.succeeded": ":white_check_mark:",
  "build.failed": ":x:",
  "drift.detected": ":warning:",
  "host.key_changed": ":rotating_light:",
};

/** The headline of an event; `commit` is the commit as the caller writes it (a link in blocks, plain in the fallback). */
function headline(f: NotificationFacts, commit: string, esc: (s: string) => string): string {
  const target = esc(f.target ?? "its target");
  const what = `${commit} (${esc(f.branch)})`;
  switch (f.event) {
    case "deployment.pending_approval":
      return `Deploying ${what} to ${target} waits for approval`;
    case "deployment.started":
      return `Deploying ${what} to ${target}`;
    case "deployment.succeeded":
      return `Deployed ${what} to ${target}`;
    case "deployment.failed":
      return `Deployment of ${what} to ${target} failed`;
    case "deployment.rolled_back":
      return `Deployment of ${what} to ${target} was rolled back`;
    case "build.succeeded":
      return `Build of ${what} succeeded`;
    case "build.failed":
      return `Build of ${what} failed`;
    case "host.key_changed": {
      const h = f.host;
      return h
        ? `Host key of ${esc(h.name)} (${esc(h.address)}:${h.port}) changed: it presented ${esc(h.presented)}; Slipway will not connect until an admin accepts the new key under Hosts`
        : "A host key changed; Slipway will not connect to that host until an admin accepts the new key under Hosts";
    }
    case "drift.detected": {
      const deployed = f.image ? esc(f.image) : "the image";
      return f.liveImage
        ? `Drift on ${target}: it runs ${esc(f.liveImage)} instead of ${deployed}, which Slipway deployed from ${what}`
        : `Drift on ${target}: it no longer runs ${deployed}, which Slipway deployed from ${what}`;
    }
  }
}

function pageLabel(e: NotificationEvent): string {
  if (e.startsWith("build.")) return "Open the build in Slipway";
  if (e === "host.key_changed") return "Open the host in Slipway";
  if (e === "drift.detected") return "Open the target in Slipway";
  return "Open the deployment in Slipway";
}

/**
 * The Slack incoming-webhook message for a deployment event: `text` (a plain, escaped fallback that
 * notifications show) and `blocks` (headline with the commit link, commit subject, facts, reason, and a
 * link to the Slipway page).
 */
export function slackMessage(f: NotificationFacts): SlackMessage {
  const short = f.commitSha.slice(0, 12);
  // drift on a target without a release knows no commit
  const commitLabel = short ? `${f.repository}@${short}` : f.repository;
  const subject = firstLine(f.commitMessage);
  const reason = f.reason?.trim() ? f.reason.trim() : null;

  const fallbackParts = [`${headline(f, escapeMrkdwn(commitLabel), escapeMrkdwn)}${f.actor && f.event === "deployment.started" ? ` by ${escapeMrkdwn(f.actor)}` : ""}`];
  if (reason) fallbackParts.push(escapedWithin(reason, 300));
  else if (subject) fallbackParts.push(escapedWithin(subject, FALLBACK_SUBJECT_MAX));
  const text = fallbackParts.join(": ");

  const title = `${EMOJI[f.event]} *${headline(f, link(f.commitUrl, commitLabel), escapeMrkdwn)}*`;
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: subject ? `${title}\n>${escapedWithin(subject, SUBJECT_MAX)}` : title } },
  ];

  const field = (name: string, value: string) => ({ type: "mrkdwn", text: `*${name}*\n${value}` });
  const within = (s: string) => escapedWithin(s, FIELD_MAX - 100);
  const fields = [
    ...(f.target !== null ? [field("Target", within(f.target))] : []),
    ...(f.branch ? [field("Branch", within(f.branch))] : []),
    ...(f.host ? [field("Pinned", within(f.host.pinned.join(", ") || "none"))] : []),
    ...(short ? [field("Commit", link(f.commitUrl, short))] : []),
    ...(f.image ? [field(f.event === "drift.detected" ? "Deployed image" : "Image", within(f.image))] : []),
    ...(f.event === "drift.detected" ? [field("Live image", f.liveImage ? within(f.liveImage) : "unknown")] : []),
    ...(f.actor ? [field("By", within(f.actor))] : []),
  ];
  blocks.push({ type: "section", fields });
  if (reason) blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Reason*\n${escapedWithin(reason, Math.min(REASON_MAX, SECTION_MAX - 20))}` } });
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `${link(f.pageUrl, pageLabel(f.event))}${f.repository ? ` · ${escapedWithin(f.repository, 500)}` : ""}` }],
  });
  return { text, blocks };
}

// ─── delivery ───────────────────────────────────────────────────────────────────────────────────

/** 127.0.0.0/8 and ::1, as literal addresses (a name could resolve anywhere); `hostname` as URL gives it. */
function isLoopbackAddress(hostname: string): boolean {
  if (isIP(hostname) === 4) return hostname.startsWith("127.");
  // URL writes IPv6 hosts in brackets and in their shortest form: [0:0:0:0:0:0:0:1] is [::1]
  return hostname === "[::1]";
}

/** Slack's error texts for incoming webhooks, in words; the hint says what to do. */
const SLACK_ERRORS: Record<string, string> = {
  invalid_payload: "Slack could not read the message (invalid_payload); this is a bug in Slipway, please report it",
  invalid_blocks: "Slack refused the message's blocks (invalid_blocks); this is a bug in Slipway, please report it",
  no_text: "Slack refused a message without text (no_text); this is a bug in Slipway, please report it",
  no_service:
    "the webhook is disabled, removed or was never created (no_service): create a new incoming webhook in Slack and paste its URL under Settings → Notifications",
  invalid_token: "Slack does not accept the webhook's token (invalid_token): create a new incoming webhook in Slack and paste its URL under Settings → Notifications",
  channel_not_found:
    "the webhook's channel no longer exists (channel_not_found): create an incoming webhook for an existing channel and paste its URL under Settings → Notifications",
  channel_is_archived: "the webhook's channel is archived (channel_is_archived): unarchive it in Slack, or use a webhook of another channel",
  action_prohibited: "an admin of the Slack workspace does not allow this webhook to post there (action_prohibited)",
  posting_to_general_channel_denied: "only admins may post to this channel (posting_to_general_channel_denied): use a webhook of another channel",
  team_disabled: "the Slack workspace is disabled (team_disabled)",
  rollup_error: "Slack had an internal problem (rollup_error); try again later",
};

/**
 * POSTs the message to a Slack incoming webhook. Resolves when Slack answers 200 "ok"; otherwise throws
 * SlackError in words (Slack's error text included, the URL never). Only https: URLs are used, or http:
 * to a loopback address (tests, local relays); anything else is refused before a request is made. Bounded
 * by `timeoutMs` (default 10 s); when the caller's `signal` aborts, rejects with its reason.
 */
export async function postSlack(url: string, message: SlackMessage, opts: { signal?: AbortSignal; timeoutMs?: number; channelName: string }): Promise<void> {
  const where = `the Slack webhook of channel ${opts.channelName}`;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new SlackError(`${where} is not a URL: paste the incoming-webhook URL Slack gave you (https://hooks.slack.com/services/…) under Settings → Notifications`);
  }
  if (target.protocol !== "https:" && !(target.protocol === "http:" && isLoopbackAddress(target.hostname))) {
    throw new SlackError(
      `${where} is not an https:// URL; Slipway posts to Slack over HTTPS only (plain http only to a loopback address such as 127.0.0.1): paste the URL Slack gave you under Settings → Notifications`,
    );
  }

  const timeoutMs = opts.timeoutMs ?? SLACK_TIMEOUT_MS;
  opts.signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;

  let status: number;
  let body: string;
  try {
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(message),
      // a webhook never redirects; following one could carry the message somewhere else, or to plain http
      redirect: "manual",
      signal,
    });
    status = res.status;
    body = (await readAnswer(res, 4096)).trim();
  } catch (err) {
    opts.signal?.throwIfAborted();
    if (deadline.aborted) throw new SlackError(`${where} did not answer within ${seconds(timeoutMs)}: check that Slipway can reach Slack (HTTPS to hooks.slack.com)`);
    // fetch's own errors name the host at most; keep only the system's error code
    const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
    const code = typeof cause?.code === "string" ? ` (${cause.code})` : "";
    throw new SlackError(`Could not reach ${where}${code}: check that Slipway can make HTTPS requests to Slack`);
  }

  if (status === 200 && body === "ok") return;
  // an answer that is not Slack's could echo the request: the URL's secret path never goes into a message
  for (const secret of [url, target.href, target.pathname]) if (secret.length > 1) body = body.split(secret).join("[webhook URL]");
  const code = /^[a-z_]{2,64}$/.test(body) ? body : null;
  const known = code ? SLACK_ERRORS[code] : undefined;
  let why: string;
  if (known) why = known;
  else if (status >= 300 && status < 400) why = `Slack answered with a redirect (HTTP ${status}), which a webhook never does: check the URL under Settings → Notifications`;
  else if (status === 429) why = "Slack is rate-limiting this webhook (HTTP 429); try again later";
  else if (status === 200) why = `Slack answered 200 without "ok"${body ? ` (${body.slice(0, 200)})` : ""}: is the URL an incoming webhook?`;
  else why = `Slack answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ""}`;
  throw new SlackError(`Could not post to ${where}: ${why}`, status, code);
}
