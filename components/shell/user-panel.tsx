// Who is signed in, with which role, and the way out. Always visible at the bottom of the sidebar.
import { Avatar } from "@/components/shell/avatar";
import { RoleBadge } from "@/components/status/role-badge";
import { SignOutButton } from "@/components/shell/sign-out-button";
import type { Role } from "@/lib/auth/roles";
import { visibleText } from "@/components/format/visible-text";

export function UserPanel({ user }: { user: { login: string; name: string | null; image: string | null; role: Role } }) {
  return (
    <section aria-label="Signed-in user" className="border-t border-zinc-200 p-3 dark:border-zinc-800">
      <div className="flex items-center gap-3 px-1">
        <Avatar login={user.login} image={user.image} />
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium text-zinc-900 dark:text-zinc-100" title={user.login}>
            {user.login}
          </p>
          {user.name && user.name !== user.login ? (
            <p className="truncate text-xs text-zinc-500 dark:text-zinc-400" title={visibleText(user.name)}>
              {visibleText(user.name)}
            </p>
          ) : null}
        </div>
        <span data-testid="role-badge">
          <RoleBadge role={user.role} />
        </span>
      </div>
      <div className="mt-3">
        <SignOutButton />
      </div>
    </section>
  );
}
