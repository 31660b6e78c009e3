// Session cookies and API tokens are stored only as their SHA-256: a copy of the database signs nobody in.
import { createHash, randomBytes } from "node:crypto";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The mark every API token starts with, so a leaked one is recognisable (and secret scanners can find it). */
export const API_TOKEN_PREFIX = "slw_";

/** A new API token: "slw_" + 32 random bytes in base64url (43 characters). */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** True when `s` has the shape of an API token (checked before any lookup). */
export function looksLikeApiToken(s: string): boolean {
  return /^slw_[A-Za-z0-9_-]{43}$/.test(s);
}

/** The first characters of a token, kept in clear to recognise it in lists ("slw_AbC123"). */
export function apiTokenPrefix(token: string): string {
  return token.slice(0, API_TOKEN_PREFIX.length + 6);
}
