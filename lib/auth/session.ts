// The signed-in user for pages, server actions and route handlers. One entry point for anything that needs
// a session; the role is re-read from the database on every request, so a role change applies at once.
import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { redirect, forbidden } from "next/navigation";
import { sessionCookieName } from "@/lib/auth/cookies";
import { sessionUserByToken, type SessionUser } from "@/lib/queries/sessions";
import { currentRequestMeta } from "@/lib/auth/request-meta";
import type { Actor } from "@/lib/auth/actor";
import { can, type Permission } from "@/lib/auth/roles";

export type { SessionUser };

/**
 * One lookup per token while a page renders: the console's layout and its page both ask (React's `cache` is
 * scoped to the request being rendered; outside a render, as in route handlers, each call reads again).
 */
const userByToken = cache(sessionUserByToken);

export async function getSessionUser(): Promise<SessionUser | null> {
  const jar = await cookies();
  const token = jar.get(sessionCookieName())?.value;
  if (!token) return null;
  return userByToken(token);
}

export async function currentActor(): Promise<(Actor & { type: "user" }) | null> {
  const user = await getSessionUser();
  if (!user) return null;
  const meta = await currentRequestMeta();
  return { type: "user", userId: user.id, login: user.login, role: user.role, ...meta };
}

/** For pages: sign-in page when signed out, the 403 page when the role does not allow it. */
export async function requirePageUser(permission: Permission = "console.view", from?: string): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) {
    const path = from ?? (await headers()).get("x-slipway-path");
    redirect(path && path.startsWith("/") && !path.startsWith("//") && path !== "/" ? `/login?callbackUrl=${encodeURIComponent(path)}` : "/login");
  }
  if (!can(user, permission)) forbidden();
  return user;
}
