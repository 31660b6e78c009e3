// The 403 page's content: what happened, which role you have, and who can change it.
import Link from "next/link";
import { RoleBadge } from "@/components/status/role-badge";
import type { Role } from "@/lib/auth/roles";

export function ForbiddenMessage({ role }: { role: Role | null }) {
  return (
    <div className="max-w-xl">
      <p className="text-sm font-semibold text-rose-700 dark:text-rose-400">403 · Forbidden</p>
      <h1 className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">You don&apos;t have access to this page</h1>
      {role ? (
        <p className="mt-3 text-sm text-zinc-700 dark:text-zinc-300">
          Your role is <RoleBadge role={role} />, and this page needs a higher one.
        </p>
      ) : null}
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">Ask an admin to change your role under Settings → Users.</p>
      <div className="mt-6">
        <Link href="/" className="btn-primary">
          Back to the dashboard
        </Link>
      </div>
    </div>
  );
}
