// A loopback stand-in for Slack's incoming webhooks, answering as hooks.slack.com does:
//
//   POST /services/T…/B…/<token>   JSON { text?, blocks? } (or form-encoded payload=<json>)
//     200 "ok"                      taken
//     400 "invalid_payload"         not JSON, not an object, or neither text nor blocks
//     400 "invalid_blocks"          blocks that break Block Kit's rules (unknown type, section text over 3000, …)
//     404 "no_service"              any other path, or a webhook the test revoked
//   (answers are text/html, as Slack's are)
//
// A test can make the next requests fail with any status and Slack error text, or never answer (a hung
// Slack, for timeouts). Every request is recorded in `requests`; taken messages also in `messages`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlackRequest {
  method: string;
  /** the path after /services/ (T…/B…/token), or the whole path when it is not a webhook's */
  hook: string;
  contentType: string | null;
  /** the raw body */
  raw: string;
  /** what the stand-in answered; null when it never answered */
  status: number | null;
  answer: string | null;
}

export interface SlackReceived {
  hook: string;
  text: string | null;
  blocks: unknown[] | null;
  /** the whole parsed message */
  body: Record<string, unknown>;
}

export interface SlackStandIn {
  /** the webhook URL of a hook path (default "T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX") */
  url(pathSuffix?: string): string;
  /** the messages taken (200 "ok"), in order */
  messages: SlackReceived[];
  /** every request, answered or not */
  requests: SlackRequest[];
  /** the next `times` webhook requests get this status and Slack error text (e.g. 500 "rollup_error") */
  failNext(status: number, text: string, times?: number): void;
  /** the next `times` webhook requests get no answer at all (the connection stays open until close) */
  hangNext(times?: number): void;
  /** the webhook of this path is gone: 404 no_service from now on */
  revoke(pathSuffix: string): void;
  close(): Promise<void>;
}

export const DEFAULT_HOOK = "T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX";
const HOOK_PATH = /^\/services\/(T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+)$/;
const MAX_BODY = 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A text object of Block Kit with at most `max` characters; `kinds` are the types allowed. */
function textObject(v: unknown, max: number, kinds: string[] = ["mrkdwn", "plain_text"]): boolean {
  return isObject(v) && typeof v.type === "string" && kinds.includes(v.type) && typeof v.text === "string" && v.text.length >= 1 && v.text.length <= max;
}

/** null when the blocks keep Block Kit's rules (the ones a notification can break), or what is wrong. */
function blocksProblem(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return "blocks is not an array";
  if (blocks.length > 50) return "more than 50 blocks";
  for (const [i, b] of blocks.entries()) {
    if (!isObject(b) || typeof b.type !== "string") return `block ${i} has no type`;
    switch (b.type) {
      case "section": {
        if (b.text === undefined && b.fields === undefined) return `section ${i} has neither text nor fields`;
        if (b.text !== undefined && !textObject(b.text, 3000)) return `section ${i}: text must be 1 to 3000 characters`;
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length < 1 || b.fields.length > 10) return `section ${i}: 1 to 10 fields`;
          if (!b.fields.every((f) => textObject(f, 2000))) return `section ${i}: a field must be 1 to 2000 characters`;
        }
        break;
      }
      case "header":
        if (!textObject(b.text, 150, ["plain_text"])) return `header ${i}: plain_text of 1 to 150 characters`;
        break;
      case "context":
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 10) return `context ${i}: 1 to 10 elements`;
        if (!b.elements.every((e) => textObject(e, 3000) || (isObject(e) && e.type === "image"))) return `context ${i}: elements are text or images`;
        break;
      case "divider":
      case "actions":
      case "image":
      case "rich_text":
      case "markdown":
        break;
      default:
        return `block ${i} has an unknown type ${JSON.stringify(b.type)}`;
    }
  }
  return null;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).byteLength;
    if (size > MAX_BODY) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The message in a body, as Slack reads it: JSON, or a form with payload=<json>. */
function parseMessage(raw: string, contentType: string | null): Record<string, unknown> | null {
  let json = raw;
  if (contentType?.startsWith("application/x-www-form-urlencoded")) json = new URLSearchParams(raw).get("payload") ?? "";
  try {
    const v = JSON.parse(json) as unknown;
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const messages: SlackReceived[] = [];
  const requests: SlackRequest[] = [];
  const revoked = new Set<string>();
  const planned: ({ status: number; text: string } | "hang")[] = [];

  const answer = (res: ServerResponse, rec: SlackRequest, status: number, text: string) => {
    rec.status = status;
    rec.answer = text;
    res.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const m = HOOK_PATH.exec(path);
      const contentType = req.headers["content-type"] ?? null;
      const raw = await readBody(req);
      const rec: SlackRequest = { method: req.method ?? "GET", hook: m?.[1] ?? path, contentType, raw: raw ?? "", status: null, answer: null };
      requests.push(rec);
      if (!m || req.method !== "POST" || revoked.has(m[1] as string)) return answer(res, rec, 404, "no_service");
      const plan = planned.shift();
      if (plan === "hang") return; // never answered; close() drops the connection
      if (plan) return answer(res, rec, plan.status, plan.text);
      if (raw === null) return answer(res, rec, 413, "request_too_large");
      const body = parseMessage(raw, contentType);
      const text = typeof body?.text === "string" && body.text !== "" ? body.text : null;
      const blocks = Array.isArray(body?.blocks) && body.blocks.length > 0 ? (body.blocks as unknown[]) : null;
      if (!body || (!text && !blocks)) return answer(res, rec, 400, "invalid_payload");
      if (body.blocks !== undefined && blocksProblem(body.blocks)) return answer(res, rec, 400, "invalid_blocks");
      messages.push({ hook: m[1] as string, text, blocks, body });
      return answer(res, rec, 200, "ok");
    })().catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`stand-in error: ${String(err)}`);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: (pathSuffix = DEFAULT_HOOK) => `http://127.0.0.1:${port}/services/${pathSuffix.replace(/^\/+/, "")}`,
    messages,
    requests,
    failNext(status, text, times = 1) {
      for (let i = 0; i < times; i++) planned.push({ status, text });
    },
    hangNext(times = 1) {
      for (let i = 0; i < times; i++) planned.push("hang");
    },
    revoke(pathSuffix) {
      revoked.add(pathSuffix.replace(/^\/+/, ""));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
