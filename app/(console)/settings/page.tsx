// Settings overview: where each console-wide setting lives.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { PageHeader } from "@/components/ui/page-header";
import { RoleBadge } from "@/components/status/role-badge";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const user = await requirePageUser("console.view", "/settings");
  const manageUsers = can(user, "users.manage");
  const cards = [
    {
      href: "/settings/users",
      title: "Users",
      body: manageUsers
        ? "Who can sign in, and with which role: viewer, operator or admin. Disable someone to end their sessions at once."
        : "Who can sign in and with which role. Admins change roles.",
      note: null,
    },
    {
      href: "/settings/deployments",
      title: "Deployments",
      body: can(user, "settings.edit")
        ? "The approval level: from which confirm level deployments wait for someone to approve them."
        : "The approval level: from which confirm level deployments wait for approval. Admins change it.",
      note: null,
    },
    {
      href: "/settings/workers",
      title: "Workers",
      body: "The worker processes that run builds and deployments, and when each was last heard from.",
      note: null,
    },
  ];
  return (
    <>
      <PageHeader
        title="Settings"
        description={
          <>
            You are signed in as <strong className="font-medium text-zinc-900 dark:text-zinc-100">{user.login}</strong> with the <RoleBadge role={user.role} /> role.
          </>
        }
      />
      <ul className="grid gap-4 lg:grid-cols-2">
        {cards.map((c) => (
          <li key={c.href}>
            <Link
              href={c.href}
              className="block h-full rounded-lg border border-zinc-200 bg-white p-5 hover:border-zinc-300 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-zinc-600"
            >
              <span className="flex items-center justify-between gap-3">
                <span className="text-base font-semibold text-zinc-900 dark:text-zinc-100">{c.title} →</span>
                {c.note ? <span className="text-xs font-medium text-zinc-500 dark:text-zinc-400">{c.note}</span> : null}
              </span>
              <span className="mt-1 block text-sm text-zinc-600 dark:text-zinc-400">{c.body}</span>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
