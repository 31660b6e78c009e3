// next-auth's database adapter over Prisma, written for Slipway:
// - users are found by their GitHub account id, never linked by email (no takeover through a shared email);
// - OAuth tokens are not stored (Slipway never acts as the user on GitHub);
// - sessions are stored as the SHA-256 of the cookie value, with the client's address and user agent;
// - disabled users have no session.
import "server-only";
import type { Adapter, AdapterAccount, AdapterSession, AdapterUser } from "next-auth/adapters";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { hashToken } from "@/lib/auth/tokens";
import { currentRequestMeta } from "@/lib/auth/request-meta";
import { createUserOnFirstLogin } from "@/lib/services/users";
import type { Role } from "@/lib/auth/roles";

export interface SlipwayAdapterUser extends AdapterUser {
  login: string;
  role: Role;
  disabled: boolean;
}

type DbUser = { id: string; login: string; name: string | null; email: string | null; image: string | null; role: Role; disabled: boolean };

function toAdapterUser(u: DbUser): SlipwayAdapterUser {
  return {
    id: u.id,
    login: u.login,
    name: u.name ?? u.login,
    email: u.email ?? "",
    emailVerified: null,
    image: u.image,
    role: u.role,
    disabled: u.disabled,
  };
}

export function slipwayAdapter(): Adapter {
  return {
    async createUser(data: Omit<AdapterUser, "id">) {
      const profile = data as Omit<AdapterUser, "id"> & { login?: string };
      const login = profile.login ?? profile.name ?? "";
      if (!login) throw new Error("the identity provider returned no login");
      const e = env();
      const user = await getDb().$transaction((tx) =>
        createUserOnFirstLogin(
          tx,
          { login, name: profile.name, email: profile.email || null, image: profile.image },
          { admins: e.SLIPWAY_ADMINS, defaultRole: e.SLIPWAY_DEFAULT_ROLE, method: "GitHub" },
        ),
      );
      return toAdapterUser(user);
    },
    async getUser(id) {
      const u = await getDb().user.findUnique({ where: { id } });
      return u ? toAdapterUser(u) : null;
    },
    async getUserByEmail() {
      return null;
    },
    async getUserByAccount({ provider, providerAccountId }) {
      const account = await getDb().account.findUnique({
        where: { provider_providerAccountId: { provider, providerAccountId } },
        include: { user: true },
      });
      return account ? toAdapterUser(account.user) : null;
    },
    async updateUser(data) {
      const u = await getDb().user.update({
        where: { id: data.id },
        data: { name: data.name ?? undefined, image: data.image ?? undefined },
      });
      return toAdapterUser(u);
    },
    async linkAccount(account: AdapterAccount) {
      await getDb().account.create({
        data: {
          userId: account.userId,
          type: account.type,
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          scope: account.scope ?? null,
        },
      });
    },
    async createSession({ sessionToken, userId, expires }) {
      const meta = await currentRequestMeta();
      await getDb().session.create({
        data: { tokenHash: hashToken(sessionToken), userId, expires, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512) ?? null },
      });
      return { sessionToken, userId, expires };
    },
    async getSessionAndUser(sessionToken) {
      const s = await getDb().session.findUnique({ where: { tokenHash: hashToken(sessionToken) }, include: { user: true } });
      if (!s) return null;
      if (s.user.disabled || s.expires < new Date()) return null;
      const session: AdapterSession = { sessionToken, userId: s.userId, expires: s.expires };
      return { session, user: toAdapterUser(s.user) };
    },
    async updateSession({ sessionToken, expires }) {
      if (!expires) return null;
      const s = await getDb().session.update({ where: { tokenHash: hashToken(sessionToken) }, data: { expires } }).catch(() => null);
      return s ? { sessionToken, userId: s.userId, expires: s.expires } : null;
    },
    async deleteSession(sessionToken) {
      const s = await getDb().session.delete({ where: { tokenHash: hashToken(sessionToken) } }).catch(() => null);
      return s ? { sessionToken, userId: s.userId, expires: s.expires } : null;
    },
  };
}
