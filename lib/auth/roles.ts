// Roles and what each may do. viewer < operator < admin. Every command checks on the server with
// `requireRole`/`can`; hiding a button in the UI is a courtesy, not a check.
import type { Role } from "@/lib/generated/prisma/enums";

export type { Role };

export const roles: readonly Role[] = ["viewer", "operator", "admin"] as const;

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function atLeast(role: Role, min: Role): boolean {
  return rank[role] >= rank[min];
}

/** What each permission needs. Later issues add theirs here, next to the command that checks it. */
export const permissions = {
  "console.view": "viewer",
  "audit.view": "viewer",
  "audit.export": "operator",
  "build.rebuild": "operator",
  "build.cancel": "operator",
  "deployment.approve": "operator",
  "deployment.rollback": "operator",
  /** move a release on to the next stage of its rule's environments */
  "deployment.promote": "operator",
  /** approve a fork's pull request's preview, tear a preview down */
  "preview.manage": "operator",
  "inventory.edit": "admin",
  "inventory.test": "operator",
  "users.manage": "admin",
  "settings.edit": "admin",
  /** create and revoke one's own API tokens */
  "api_tokens.own": "viewer",
  /** see and revoke everyone's API tokens */
  "api_tokens.all": "admin",
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof permissions;

export function can(user: { role: Role } | null | undefined, permission: Permission): boolean {
  return Boolean(user) && atLeast(user!.role, permissions[permission]);
}

export const roleLabels: Record<Role, string> = {
  viewer: "Viewer",
  operator: "Operator",
  admin: "Admin",
};

export const roleDescriptions: Record<Role, string> = {
  viewer: "reads everything",
  operator: "also rebuilds, cancels, approves, rolls back and promotes",
  admin: "also edits the inventory, keys, secrets and roles",
};
