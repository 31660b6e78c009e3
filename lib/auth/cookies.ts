// The session cookie's name, as next-auth names it (secure prefix when the console is served over https).
import { env } from "@/lib/env";

export function sessionCookieName(baseUrl: string = env().SLIPWAY_URL): string {
  return baseUrl.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}
