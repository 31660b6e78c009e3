// Sign-in: GitHub OAuth when configured, the development login when enabled, where to find the one-time
// sign-in link when `npm start` offers one, and words when none of them is.
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { getSessionUser } from "@/lib/auth/session";
import { devLoginEnabled, env, githubLoginEnabled } from "@/lib/env";
import { LogoMark } from "@/components/shell/logo";
import { Notice } from "@/components/ui/notice";
import { GitHubSignInButton } from "@/components/login/github-sign-in-button";
import { DevLoginForm } from "@/components/login/dev-login-form";
import { signInErrorMessage } from "@/components/login/sign-in-errors";
import { sameOriginPath } from "@/lib/auth/callback-url";
import { loginLinksEnabled } from "@/lib/auth/login-links";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A message's `quoted` commands as code, the rest as text (the messages are plain strings). */
function withCode(message: string): ReactNode[] {
  return message.split("`").map((part, i) => (i % 2 ? <code key={i} className="whitespace-nowrap">{part}</code> : part));
}

/** Only paths inside the console (never back to /login or an API route), else the dashboard. */
function safeCallbackUrl(v: string | undefined): string {
  const path = sameOriginPath(v, env().SLIPWAY_URL);
  return path === "/login" || path.startsWith("/login?") || path.startsWith("/login#") || path.startsWith("/api/") ? "/" : path;
}

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const callbackUrl = safeCallbackUrl(one(sp.callbackUrl));
  if (await getSessionUser()) redirect(callbackUrl);

  const github = githubLoginEnabled();
  const dev = devLoginEnabled();
  const link = loginLinksEnabled();
  const error = one(sp.error);

  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-md">
        <div className="mb-6 flex flex-col items-center text-center">
          <LogoMark className="size-12" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">Sign in to Slipway</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Builds every branch, deploys what you approve.</p>
        </div>
        <div className="space-y-5 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          {error ? (
            <Notice tone="error" role="alert">
              {withCode(signInErrorMessage(error))}
            </Notice>
          ) : null}
          {callbackUrl !== "/" && !error ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Sign in to open <code className="font-mono text-zinc-900 dark:text-zinc-100">{callbackUrl}</code>.
            </p>
          ) : null}

          {github ? <GitHubSignInButton callbackUrl={callbackUrl} /> : null}
          {github && dev ? (
            <div className="flex items-center gap-3 text-xs text-zinc-500" aria-hidden="true">
              <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
              or
              <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
            </div>
          ) : null}
          {dev ? <DevLoginForm callbackUrl={callbackUrl} /> : null}

          {link ? (
            <Notice tone="info">
              <p>
                Open the one-time sign-in link that <code>npm start</code> printed in its terminal: it signs you in as <code>local-admin</code>, an
                admin. Each link works once, for 15 minutes; press Enter in that terminal for a new one.
              </p>
            </Notice>
          ) : null}

          {!github && !dev && !link ? (
            <Notice tone="warning" role="alert">
              <p>
                Nobody can sign in: set <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> (a GitHub OAuth App), or{" "}
                <code>SLIPWAY_DEV_LOGIN=1</code> outside production.
              </p>
              <p className="mt-2">
                The OAuth App&apos;s callback URL is <code className="break-all">{`${env().SLIPWAY_URL.replace(/\/$/, "")}/api/auth/callback/github`}</code>. Restart
                Slipway after setting them.
              </p>
            </Notice>
          ) : null}
        </div>
        {github ? (
          <p className="mt-4 text-center text-xs text-zinc-500 dark:text-zinc-400">
            New users get the role set by the administrator; an admin can change it under Settings → Users.
          </p>
        ) : null}
      </div>
    </main>
  );
}
