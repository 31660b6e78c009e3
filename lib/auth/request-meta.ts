// The client's address and user agent, for the audit log.
// The web server (scripts/lib/web-server.ts) sets X-Forwarded-For from the socket unless SLIPWAY_TRUST_PROXY
// says a reverse proxy in front sets it, so the first address here is the client's in both cases.
import "server-only";
import type { RequestMeta } from "@/lib/auth/actor";

type HeaderSource = { get(name: string): string | null };

export function requestMetaFrom(h: HeaderSource): RequestMeta {
  const forwarded = h.get("x-forwarded-for");
  const ip = forwarded?.split(",")[0]?.trim() || h.get("x-real-ip") || null;
  const userAgent = h.get("user-agent");
  return { ip: ip ? ip.replace(/^::ffff:/, "") : null, userAgent: userAgent || null };
}

/** Request meta inside a Next.js request (server component, action, route handler); empty elsewhere. */
export async function currentRequestMeta(): Promise<RequestMeta> {
  try {
    const { headers } = await import("next/headers");
    return requestMetaFrom(await headers());
  } catch {
    return { ip: null, userAgent: null };
  }
}
