// One-time sign-in links: how `npm start` lets its operator in when GitHub login is not configured.
// The links live only in the memory of the process that printed them (start.ts mints them; the console's
// route handler, running in the same process, takes them), so a link is worth nothing to any other process
// and nothing survives a restart. Only the SHA-256 of a token is kept, and a token is taken out when used.
// The store sits on globalThis because the console's bundled copy of this module is not the copy start.ts
// loaded: both must find the same links.
import { hashToken } from "@/lib/auth/tokens";
import { randomBytes } from "node:crypto";

/** How long a link works after it is printed. */
export const LOGIN_LINK_TTL_MS = 15 * 60_000;

/** The path the link opens; its token is the `token` query parameter. */
export const LOGIN_LINK_PATH = "/api/auth/link";

interface LinkStore {
  /** sha256(token) → when it stops working (ms since the epoch) */
  links: Map<string, number>;
}

const STORE = Symbol.for("slipway.login-links");
type WithStore = typeof globalThis & { [STORE]?: LinkStore };

function store(): LinkStore | undefined {
  return (globalThis as WithStore)[STORE];
}

/** Turns one-time links on for this process (start.ts, before the console serves requests). */
export function enableLoginLinks(): void {
  (globalThis as WithStore)[STORE] ??= { links: new Map() };
}

/** Whether this process offers one-time links (the sign-in page then says where to find one). */
export function loginLinksEnabled(): boolean {
  return store() !== undefined;
}

/**
 * A new link, valid once for LOGIN_LINK_TTL_MS. Links printed before it stop working: there is only ever
 * one, the one the operator saw last. The token is 256 random bits.
 */
export function mintLoginLink(baseUrl: string, now: number = Date.now()): { url: string; expiresAt: Date } {
  const s = store();
  if (!s) throw new Error("one-time sign-in links are not enabled in this process");
  const token = randomBytes(32).toString("base64url");
  s.links.clear();
  const expiresAt = now + LOGIN_LINK_TTL_MS;
  s.links.set(hashToken(token), expiresAt);
  const url = new URL(LOGIN_LINK_PATH, baseUrl);
  url.searchParams.set("token", token);
  return { url: url.toString(), expiresAt: new Date(expiresAt) };
}

export type TakeResult = "ok" | "off" | "unknown" | "expired";

/**
 * Uses up a link's token: "ok" once; after that, or for a token this process never made, "unknown";
 * "expired" past its time (and it is forgotten); "off" when this process offers no links.
 */
export function takeLoginLink(token: unknown, now: number = Date.now()): TakeResult {
  const s = store();
  if (!s) return "off";
  // tokens are 43 base64url characters; anything else is not worth hashing
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return "unknown";
  const key = hashToken(token);
  const expiresAt = s.links.get(key);
  if (expiresAt === undefined) return "unknown";
  // taken out before anything else happens, so two requests racing with one token cannot both win
  s.links.delete(key);
  return now < expiresAt ? "ok" : "expired";
}
