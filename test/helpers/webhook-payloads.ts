// Real GitHub webhook payloads (@octokit/webhooks-examples), pointed at a test repository and signed for real.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";

type Definition = { name: string; examples: Record<string, unknown>[] };
const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples/api.github.com/index.json") as Definition[];

/** A deep copy of the first example of `event` (with `action` when given, and passing `where`). */
export function examplePayload(event: string, action?: string, where: (e: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const def = definitions.find((d) => d.name === event);
  const ex = def?.examples.find((e) => (action === undefined || e.action === action) && where(e));
  if (!ex) throw new Error(`no @octokit/webhooks-examples example for ${event}${action ? `.${action}` : ""}`);
  return structuredClone(ex);
}

/** Points the payload's repository at `fullName` (owner/name). */
export function forRepository(payload: Record<string, unknown>, fullName: string, githubId = 4242): Record<string, unknown> {
  const [owner = "", name = ""] = fullName.split("/");
  const repo = (payload.repository ?? {}) as Record<string, unknown>;
  payload.repository = { ...repo, id: githubId, name, full_name: fullName, owner: { ...((repo.owner ?? {}) as object), login: owner } };
  return payload;
}

export function sign(secret: string, body: Uint8Array | string): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

export function deliveryHeaders(event: string, deliveryId: string, signature: string | null): Headers {
  const h = new Headers({ "content-type": "application/json", "x-github-event": event, "x-github-delivery": deliveryId });
  if (signature !== null) h.set("x-hub-signature-256", signature);
  return h;
}
