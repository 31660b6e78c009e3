// Looks up the signed-in user from the session cookie value.
import "server-only";
import { getDb } from "@/lib/db";
import { hashToken } from "@/lib/auth/tokens";
import type { Role } from "@/lib/auth/roles";

export interface SessionUser {
  id: string;
  login: string;
  name: string | null;
  image: string | null;
  role: Role;
}

export async function sessionUserByToken(token: string): Promise<SessionUser | null> {
  const s = await getDb().session.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { expires: true, user: { select: { id: true, login: true, name: true, image: true, role: true, disabled: true } } },
  });
  if (!s || s.expires < new Date() || s.user.disabled) return null;
  const { disabled: _disabled, ...user } = s.user;
  return user;
}
