// The console shell: sidebar navigation, the signed-in user, and the page. Signed-out visitors go to /login.
import type { ReactNode } from "react";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/session";
import { navCounts } from "@/lib/queries/nav-counts";
import { Logo } from "@/components/shell/logo";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { UserPanel } from "@/components/shell/user-panel";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  const counts = await navCounts();
  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only rounded-md bg-sky-600 text-sm font-medium text-white shadow-lg focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:px-4 focus:py-2"
      >
        Skip to content
      </a>
      <aside className="sticky top-0 flex h-screen w-52 shrink-0 xl:w-56 flex-col border-r border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="px-5 pb-5 pt-5">
          <Link href="/" aria-label="Slipway dashboard" className="inline-block rounded-md">
            <Logo />
          </Link>
        </div>
        <SidebarNav counts={counts} />
        <UserPanel user={{ login: user.login, name: user.name, image: user.image, role: user.role }} />
      </aside>
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-6 py-7 focus:outline-none xl:px-8">
        <div className="mx-auto max-w-7xl">{children}</div>
      </main>
    </div>
  );
}
