// Settings → Users: roles, and who may sign in. Everyone reads it; admins change roles and disable users.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can, roleDescriptions, roleLabels, roles } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { listUsers, roleCounts } from "@/lib/queries/users";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { UserTable } from "@/components/users/user-table";
import { RoleBadge } from "@/components/status/role-badge";
import { changeRoleAction, setDisabledAction } from "./actions";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requirePageUser("console.view", "/settings/users");
  const manage = can(me, "users.manage");
  const now = new Date();
  const [users, counts] = await Promise.all([listUsers(now), roleCounts()]);
  const e = env();
  return (
    <>
      <PageHeader
        title="Users"
        description={
          manage
            ? "Everyone who has signed in. Role changes apply at once, on the user's next click; disabling a user ends their sessions. Every change is in the audit log."
            : "Everyone who has signed in, and their roles. Only admins change roles or disable users."
        }
      />

      <section aria-labelledby="roles-heading" className="mb-6 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
        <h2 id="roles-heading" className="text-sm font-semibold text-zinc-900 dark:text-zinc-100">
          Roles
        </h2>
        <dl className="mt-3 grid gap-3 text-sm xl:grid-cols-3">
          {roles.map((r) => (
            <div key={r} className="flex items-start gap-3">
              <dt className="flex w-24 shrink-0 flex-col items-start gap-1">
                <RoleBadge role={r} />
                <span className="text-xs text-zinc-500 dark:text-zinc-400">
                  {counts[r]} active
                </span>
              </dt>
              <dd className="text-zinc-600 dark:text-zinc-400">
                {roleLabels[r]} {roleDescriptions[r]}.
                {r === "admin" ? " Anyone who can edit a deployment rule can run code on its hosts: treat admins as root on every host." : null}
              </dd>
            </div>
          ))}
        </dl>
        <p className="mt-3 border-t border-zinc-100 pt-3 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
          People who sign in for the first time get the {roleLabels[e.SLIPWAY_DEFAULT_ROLE].toLowerCase()} role (
          <code className="font-mono">SLIPWAY_DEFAULT_ROLE</code>)
          {e.SLIPWAY_ADMINS.length ? (
            <>
              ; logins listed in <code className="font-mono">SLIPWAY_ADMINS</code> ({e.SLIPWAY_ADMINS.join(", ")}) become admins
            </>
          ) : null}
          . Slipway always keeps at least one enabled admin.
        </p>
      </section>

      {users.length ? (
        <UserTable users={users} me={me.id} now={now} changeRole={manage ? changeRoleAction : undefined} setDisabled={manage ? setDisabledAction : undefined} />
      ) : (
        <EmptyState title="No users yet">Users appear here after they sign in for the first time.</EmptyState>
      )}
    </>
  );
}
