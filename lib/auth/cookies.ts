// The session cookie's name, as next-auth names it (secure prefix when the console is served over https).
export function sessionCookieName(baseUrl: string = process.env.SLIPWAY_URL ?? process.env.NEXTAUTH_URL ?? ""): string {
  return baseUrl.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}
