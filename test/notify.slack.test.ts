// lib/notify/slack.ts: the message for each deployment event, and its delivery to a loopback stand-in of
// Slack's incoming webhooks (test/helpers/slack.ts) over real HTTP: taken, refused in Slack's words,
// failing, hanging, aborted, and URLs refused before any request.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { escapeMrkdwn, postSlack, SlackError, slackMessage, type NotificationFacts } from "@/lib/notify/slack";
import type { NotificationEvent } from "@/lib/validation/notification-events";
import { fakeSha } from "@/test/helpers/github-api";
import { startSlackStandIn, type SlackStandIn } from "@/test/helpers/slack";

const SHA = fakeSha("slack");
const SHORT = SHA.slice(0, 12);
const COMMIT_URL = `https://github.com/tarides-test/site/commit/${SHA}`;
const PAGE_URL = "https://slipway.example.org/deployments/dep_123";

function facts(over: Partial<NotificationFacts> = {}): NotificationFacts {
  return {
    event: "deployment.succeeded",
    target: "www-live",
    repository: "tarides-test/site",
    branch: "live",
    commitSha: SHA,
    commitUrl: COMMIT_URL,
    commitMessage: "Use the new header\n\nLonger explanation that stays out of the message.",
    image: "127.0.0.1:5000/site:live",
    pageUrl: PAGE_URL,
    actor: "alice",
    reason: null,
    ...over,
  };
}

/** every mrkdwn text in the blocks, joined */
function blockTexts(blocks: unknown[]): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.text === "string") out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out.join("\n");
}

describe("slackMessage", () => {
  test("links the commit and the Slipway page, names target, branch, image and actor", () => {
    const m = slackMessage(facts());
    const all = blockTexts(m.blocks);
    expect(all).toContain(`<${COMMIT_URL}|tarides-test/site@${SHORT}>`);
    expect(all).toContain(`<${COMMIT_URL}|${SHORT}>`);
    expect(all).toContain(`<${PAGE_URL}|Open the deployment in Slipway>`);
    expect(all).toContain("*Target*\nwww-live");
    expect(all).toContain("*Branch*\nlive");
    expect(all).toContain("*Image*\n127.0.0.1:5000/site:live");
    expect(all).toContain("*By*\nalice");
    // the commit's subject, not its body
    expect(all).toContain(">Use the new header");
    expect(all).not.toContain("Longer explanation");
    expect(m.text).toBe(`Deployed tarides-test/site@${SHORT} (live) to www-live: Use the new header`);
    expect(m.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
  });

  test("each event has its own wording", () => {
    const wording: Record<NotificationEvent, RegExp> = {
      "deployment.pending_approval": new RegExp(`^Deploying tarides-test/site@${SHORT} \\(live\\) to www-live waits for approval`),
      "deployment.started": new RegExp(`^Deploying tarides-test/site@${SHORT} \\(live\\) to www-live by alice`),
      "deployment.succeeded": new RegExp(`^Deployed tarides-test/site@${SHORT} \\(live\\) to www-live`),
      "deployment.failed": new RegExp(`^Deployment of tarides-test/site@${SHORT} \\(live\\) to www-live failed: docker service update timed out$`),
      "deployment.rolled_back": new RegExp(`^Deployment of tarides-test/site@${SHORT} \\(live\\) to www-live was rolled back: docker service update timed out$`),
      "build.succeeded": new RegExp(`^Build of tarides-test/site@${SHORT} \\(live\\) succeeded`),
      "build.failed": new RegExp(`^Build of tarides-test/site@${SHORT} \\(live\\) failed: docker service update timed out$`),
      "drift.detected": new RegExp(`^Drift on www-live: it runs 127.0.0.1:5000/site:hotfix instead of 127.0.0.1:5000/site:live, which Slipway deployed from tarides-test/site@${SHORT} \\(live\\)`),
      "host.key_changed": /^Host key of toxis \(10\.0\.0\.5:22\) changed: it presented SHA256:new/,
    };
    const emoji: Record<NotificationEvent, string> = {
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
    for (const event of Object.keys(wording) as NotificationEvent[]) {
      const failed = event === "deployment.failed" || event === "deployment.rolled_back" || event === "build.failed";
      const host = event === "host.key_changed" ? { name: "toxis", address: "10.0.0.5", port: 22, presented: "SHA256:new", pinned: ["SHA256:old"] } : undefined;
      const m = slackMessage(facts({ event, host, reason: failed ? "docker service update timed out" : null, liveImage: event === "drift.detected" ? "127.0.0.1:5000/site:hotfix" : undefined }));
      expect(m.text, event).toMatch(wording[event]);
      expect(blockTexts(m.blocks), event).toContain(`${emoji[event]} *`);
      if (failed) expect(blockTexts(m.blocks)).toContain("*Reason*\ndocker service update timed out");
    }
    const drift = blockTexts(slackMessage(facts({ event: "drift.detected", liveImage: "127.0.0.1:5000/site:hotfix" })).blocks);
    expect(drift).toContain("*Deployed image*\n127.0.0.1:5000/site:live");
    expect(drift).toContain("*Live image*\n127.0.0.1:5000/site:hotfix");
    expect(slackMessage(facts({ event: "drift.detected", liveImage: null })).text).toMatch(/^Drift on www-live: it no longer runs 127\.0\.0\.1:5000\/site:live/);
    // a target without a release: no commit to name
    const bare = slackMessage(facts({ event: "drift.detected", commitSha: "", commitUrl: null, commitMessage: null, image: null, liveImage: "nginx:1" }));
    expect(bare.text).toBe("Drift on www-live: it runs nginx:1 instead of the image, which Slipway deployed from tarides-test/site (live)");
    expect(blockTexts(bare.blocks)).not.toContain("*Commit*");
  });

  test("&, < and > from outside are escaped, so a commit message cannot mention @channel or forge a link", () => {
    const m = slackMessage(
      facts({
        commitMessage: "Fix <script> & <!channel> <https://evil.example|click>",
        reason: "exit 1 <!here>",
        event: "deployment.failed",
        target: "a&b",
        actor: "<@U123>",
      }),
    );
    const all = `${m.text}\n${blockTexts(m.blocks)}`;
    expect(all).toContain("Fix &lt;script&gt; &amp; &lt;!channel&gt; &lt;https://evil.example|click&gt;");
    expect(all).toContain("exit 1 &lt;!here&gt;");
    expect(all).toContain("a&amp;b");
    expect(all).toContain("&lt;@U123&gt;");
    for (const raw of ["<!channel>", "<!here>", "<script>", "<https://evil", "<@U123>"]) expect(all).not.toContain(raw);
    expect(escapeMrkdwn("a & b < c > d")).toBe("a &amp; b &lt; c &gt; d");
  });

  test("a commit not on GitHub is named without a link; a URL with | or & cannot break out of its link", () => {
    const plain = slackMessage(facts({ commitUrl: null }));
    expect(blockTexts(plain.blocks)).toContain(`*Deployed tarides-test/site@${SHORT} (live) to www-live*`);
    expect(blockTexts(plain.blocks)).toContain(`*Commit*\n${SHORT}`);
    const odd = slackMessage(facts({ pageUrl: "https://slipway.example.org/d?a=1&b=x|y" }));
    expect(blockTexts(odd.blocks)).toContain("<https://slipway.example.org/d?a=1&amp;b=x%7Cy|Open the deployment in Slipway>");
    const js = slackMessage(facts({ commitUrl: "javascript:alert(1)" }));
    expect(blockTexts(js.blocks)).not.toContain("javascript:");
  });

  test("long text is cut with … within Block Kit's limits, never inside an entity", () => {
    const m = slackMessage(facts({ event: "deployment.failed", reason: "<&>".repeat(5000), commitMessage: "x".repeat(5000) }));
    const sections = m.blocks.filter((b) => (b as { type: string }).type === "section") as { text?: { text: string }; fields?: { text: string }[] }[];
    for (const s of sections) {
      if (s.text) expect(s.text.text.length).toBeLessThanOrEqual(3000);
      for (const f of s.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    const reason = sections.find((s) => s.text?.text.startsWith("*Reason*"))!.text!.text;
    expect(reason).toMatch(/(&lt;|&amp;|&gt;)…$/);
    expect(m.text.length).toBeLessThan(1000);
  });
});

describe("postSlack", () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlackStandIn();
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => {
    slack.messages.length = 0;
    slack.requests.length = 0;
  });

  test("posts JSON that the stand-in takes (200 ok), text and blocks intact", async () => {
    const message = slackMessage(facts({ commitMessage: "a <b> & c" }));
    await postSlack(slack.url(), message, { channelName: "deploys" });
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.body).toEqual(message);
    expect(slack.requests[0]).toMatchObject({ method: "POST", contentType: "application/json; charset=utf-8", status: 200, answer: "ok" });
  });

  test("a removed webhook (404 no_service) is a SlackError in words that names the channel, never the URL", async () => {
    const hook = "T0SECRET/B0SECRET/s3cr3tT0k3n";
    slack.revoke(hook);
    const url = slack.url(hook);
    const err = await postSlack(url, slackMessage(facts()), { channelName: "deploys" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackError);
    expect(err).toMatchObject({ status: 404, code: "no_service" });
    const msg = (err as Error).message;
    expect(msg).toMatch(/^Could not post to the Slack webhook of channel deploys: the webhook is disabled, removed or was never created \(no_service\): create a new incoming webhook/);
    for (const part of [url, hook, "s3cr3tT0k3n", "127.0.0.1"]) expect(msg).not.toContain(part);
    expect(JSON.stringify(err)).not.toContain("s3cr3tT0k3n");
    expect(slack.messages).toHaveLength(0);
  });

  test("Slack's other refusals, in words: channel_not_found, invalid_payload, 500, an unknown answer", async () => {
    slack.failNext(404, "channel_not_found");
    await expect(postSlack(slack.url(), slackMessage(facts()), { channelName: "ops" })).rejects.toThrow(/channel ops: the webhook's channel no longer exists \(channel_not_found\)/);
    slack.failNext(500, "rollup_error");
    await expect(postSlack(slack.url(), slackMessage(facts()), { channelName: "ops" })).rejects.toMatchObject({ status: 500, code: "rollup_error", message: expect.stringMatching(/Slack had an internal problem \(rollup_error\)/) });
    slack.failNext(503, "<html>Service Unavailable</html>");
    await expect(postSlack(slack.url(), slackMessage(facts()), { channelName: "ops" })).rejects.toMatchObject({ status: 503, code: null, message: expect.stringContaining("Slack answered HTTP 503: <html>Service Unavailable</html>") });
    // the stand-in's own check: a message without text or blocks
    const err = await postSlack(slack.url(), { text: "", blocks: [] }, { channelName: "ops" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "invalid_payload", message: expect.stringContaining("Slack could not read the message (invalid_payload)") });
    expect(slack.requests.map((r) => r.status)).toEqual([404, 500, 503, 400]);
    expect(slack.messages).toHaveLength(0);
  });

  test("a Slack that never answers fails within the timeout", async () => {
    slack.hangNext();
    const started = Date.now();
    const err = await postSlack(slack.url(), slackMessage(facts()), { channelName: "deploys", timeoutMs: 300 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(SlackError);
    expect((err as Error).message).toBe("the Slack webhook of channel deploys did not answer within 0.3 s: check that Slipway can reach Slack (HTTPS to hooks.slack.com)");
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(3000);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.status).toBeNull();
  });

  test("the caller's abort rejects with its reason at once, before or during the request", async () => {
    const before = new AbortController();
    before.abort();
    await expect(postSlack(slack.url(), slackMessage(facts()), { channelName: "deploys", signal: before.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(slack.requests).toHaveLength(0);

    slack.hangNext();
    const during = new AbortController();
    const started = Date.now();
    const pending = postSlack(slack.url(), slackMessage(facts()), { channelName: "deploys", signal: during.signal });
    setTimeout(() => during.abort(new Error("worker stopping")), 100);
    await expect(pending).rejects.toThrow("worker stopping");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slack.requests).toHaveLength(1);
  });

  test("only https, or http to a loopback address: anything else is refused before any request", async () => {
    const port = new URL(slack.url()).port;
    const refused = [
      `http://localhost:${port}/services/${"T000/B000/XXXX"}`,
      "http://hooks.slack.com/services/T000/B000/s3cr3t",
      "http://10.0.0.1/services/T000/B000/s3cr3t",
      "ftp://hooks.slack.com/services/T000/B000/s3cr3t",
      "hooks.slack.com/services/T000/B000/s3cr3t",
    ];
    for (const url of refused) {
      const err = await postSlack(url, slackMessage(facts()), { channelName: "deploys" }).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(SlackError);
      expect((err as Error).message, url).toMatch(/^the Slack webhook of channel deploys is not (an https:\/\/ URL|a URL)/);
      expect((err as Error).message).not.toContain("s3cr3t");
    }
    expect(slack.requests).toHaveLength(0);
    // 127.0.0.0/8 is loopback, written in any form URL accepts
    await postSlack(`http://127.1:${port}/services/T000/B000/XXXX`, slackMessage(facts()), { channelName: "deploys" });
    expect(slack.messages).toHaveLength(1);
  });

  test("a stranger at the URL that echoes the request never puts the URL into the message", async () => {
    slack.failNext(400, `unknown hook /services/${"T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"}`);
    const err = await postSlack(slack.url(), slackMessage(facts()), { channelName: "deploys" }).catch((e: unknown) => e);
    expect((err as Error).message).toContain("[webhook URL]");
    expect((err as Error).message).not.toContain("XXXXXXXXXXXXXXXXXXXXXXXX");
  });

  test("an unreachable webhook is an error in words", async () => {
    const closed = await startSlackStandIn();
    const url = closed.url();
    await closed.close();
    await expect(postSlack(url, slackMessage(facts()), { channelName: "deploys" })).rejects.toThrow(/^Could not reach the Slack webhook of channel deploys \(ECONNREFUSED\)/);
  });
});
