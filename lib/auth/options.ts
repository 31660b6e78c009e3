// next-auth configuration: GitHub OAuth (URLs configurable for GitHub Enterprise and tests), database
// sessions through Slipway's adapter, and audit events for sign-in and sign-out.
import "server-only";
import type { NextAuthOptions } from "next-auth";
import GitHubProvider from "next-auth/providers/github";
import { env, githubLoginEnabled } from "@/lib/env";
import { slipwayAdapter, type SlipwayAdapterUser } from "@/lib/auth/adapter";
import { deriveKey } from "@/lib/auth/secret";
import { currentRequestMeta } from "@/lib/auth/request-meta";
import { recordLogin, recordLoginRefused, recordLogout } from "@/lib/services/auth";
import { log } from "@/lib/log";
import { sameOriginPath } from "@/lib/auth/callback-url";

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url: string | null;
}

async function fetchJson(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.github+json", "User-Agent": "slipway" },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

let cached: NextAuthOptions | undefined;

export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  const e = env();
  // next-auth builds its redirects and callback URLs from NEXTAUTH_URL (unset: http://localhost:3000), read
  // per request: it is always SLIPWAY_URL, which follows PORT when unset; a stale one from the shell is replaced
  process.env.NEXTAUTH_URL = e.SLIPWAY_URL;
  const providers: NextAuthOptions["providers"] = [];
  if (githubLoginEnabled(e)) {
    providers.push(
      GitHubProvider({
        clientId: e.GITHUB_CLIENT_ID!,
        clientSecret: e.GITHUB_CLIENT_SECRET!,
        authorization: { url: e.GITHUB_AUTHORIZATION_URL, params: { scope: "read:user user:email" } },
        token: e.GITHUB_TOKEN_URL,
        userinfo: {
          url: e.GITHUB_USERINFO_URL,
          async request({ tokens }) {
            const token = tokens.access_token;
            if (!token) throw new Error("GitHub returned no access token");
            const user = (await fetchJson(e.GITHUB_USERINFO_URL, token)) as GitHubUser;
            if (!user.email) {
              try {
                const emails = (await fetchJson(`${e.GITHUB_USERINFO_URL.replace(/\/$/, "")}/emails`, token)) as { email: string; primary: boolean }[];
                user.email = emails.find((m) => m.primary)?.email ?? null;
              } catch {
                // the email is a nicety; sign-in does not need it
              }
            }
            // next-auth's types want a plain record here
            return user as unknown as Record<string, unknown>;
          },
        },
        profile(profile: GitHubUser) {
          return {
            id: String(profile.id),
            login: profile.login,
            name: profile.name ?? profile.login,
            email: profile.email ?? "",
            image: profile.avatar_url,
          };
        },
      }),
    );
  }
  cached = {
    adapter: slipwayAdapter(),
    providers,
    secret: process.env.NEXTAUTH_SECRET ?? deriveKey("next-auth").toString("hex"),
    session: { strategy: "database", maxAge: e.SLIPWAY_SESSION_DAYS * 86_400, updateAge: 3_600 },
    pages: { signIn: "/login", error: "/login" },
    callbacks: {
      async signIn({ user, profile }) {
        const u = user as Partial<SlipwayAdapterUser>;
        if (u.disabled) {
          const login = u.login ?? (profile as { login?: string } | undefined)?.login ?? "unknown";
          await recordLoginRefused(login, "the user is disabled", await currentRequestMeta());
          return "/login?error=AccessDenied";
        }
        return true;
      },
      async session({ session, user }) {
        const u = user as SlipwayAdapterUser;
        return { ...session, user: { id: u.id, login: u.login, name: u.name, image: u.image, role: u.role } };
      },
      async redirect({ url, baseUrl }) {
        // Only ever back into the console: a same-origin path, decided by lib/auth/callback-url.ts.
        return new URL(sameOriginPath(url, baseUrl), baseUrl).href;
      },
    },
    events: {
      async signIn({ user, profile }) {
        const p = profile as Partial<GitHubUser> | undefined;
        await recordLogin(user.id, { login: p?.login, name: p?.name ?? undefined, image: p?.avatar_url ?? undefined }, "GitHub", await currentRequestMeta());
      },
      async signOut({ session }) {
        const s = session as unknown as { userId?: string } | null;
        if (s?.userId) await recordLogout(s.userId, await currentRequestMeta());
      },
    },
    logger: {
      error(code, metadata) {
        log.error({ code, err: metadata instanceof Error ? metadata.message : undefined }, "next-auth error");
      },
      warn(code) {
        log.warn({ code }, "next-auth warning");
      },
      debug() {},
    },
  };
  return cached;
}
