// Users for Settings → Users.
import "server-only";
import { getDb } from "@/lib/db";
import type { Role } from "@/lib/auth/roles";

export interface UserListRow {
  id: string;
  login: string;
  name: string | null;
  image: string | null;
  role: Role;
  disabled: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  /** unexpired sessions (browsers signed in) */
  activeSessions: number;
}

/** Every user, by login (a console has tens of users, not thousands). */
export async function listUsers(now: Date = new Date()): Promise<UserListRow[]> {
  const rows = await getDb().user.findMany({
    orderBy: { login: "asc" },
    select: {
      id: true,
      login: true,
      name: true,
      image: true,
      role: true,
      disabled: true,
      lastLoginAt: true,
      createdAt: true,
      _count: { select: { sessions: { where: { expires: { gt: now } } } } },
    },
  });
  return rows.map(({ _count, ...u }) => ({ ...u, activeSessions: _count.sessions }));
}

/** How many users hold each role (enabled users only). */
export async function roleCounts(): Promise<Record<Role, number>> {
  const groups = await getDb().user.groupBy({ by: ["role"], where: { disabled: false }, _count: { _all: true } });
  const out: Record<Role, number> = { viewer: 0, operator: 0, admin: 0 };
  for (const g of groups) out[g.role] = g._count._all;
  return out;
}
