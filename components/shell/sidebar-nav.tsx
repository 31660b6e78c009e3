// The console's main navigation. Approvals shows how many deployments wait for a decision.
import { NavLink } from "@/components/shell/nav-link";
import { NavIcon, type NavIconName } from "@/components/shell/nav-icons";

const items: { href: string; label: string; icon: NavIconName; count?: "pendingApprovals" }[] = [
  { href: "/", label: "Dashboard", icon: "dashboard" },
  { href: "/repositories", label: "Repositories", icon: "repositories" },
  { href: "/builds", label: "Builds", icon: "builds" },
  { href: "/deployments", label: "Deployments", icon: "deployments" },
  { href: "/approvals", label: "Approvals", icon: "approvals", count: "pendingApprovals" },
  { href: "/previews", label: "Previews", icon: "previews" },
  { href: "/targets", label: "Targets", icon: "targets" },
  { href: "/environments", label: "Environments", icon: "environments" },
  { href: "/dora", label: "DORA", icon: "dora" },
  { href: "/hosts", label: "Hosts", icon: "hosts" },
  { href: "/contexts", label: "Contexts", icon: "contexts" },
  { href: "/services", label: "Services", icon: "services" },
  { href: "/audit", label: "Audit", icon: "audit" },
  { href: "/settings", label: "Settings", icon: "settings" },
];

// its look (hover, the current page, the icon's colour) is .nav-link in app/globals.css: every page sends the
// sidebar twice (HTML and RSC payload), and this class was 450 characters on each of eleven links
const linkClass = "nav-link";

export interface SidebarCounts {
  pendingApprovals: number;
}

export function SidebarNav({ counts }: { counts?: SidebarCounts }) {
  return (
    <nav aria-label="Main" className="flex-1 overflow-y-auto px-3">
      <ul className="space-y-0.5">
        {items.map((item) => {
          const n = item.count && counts ? counts[item.count] : 0;
          return (
            <li key={item.href}>
              <NavLink href={item.href} className={linkClass}>
                <NavIcon name={item.icon} />
                <span className="flex-1">{item.label}</span>
                {n > 0 ? (
                  <span
                    data-testid={`nav-count-${item.count}`}
                    className="min-w-5 rounded-full bg-amber-500 px-1.5 text-center text-xs font-semibold leading-5 tabular-nums text-white dark:bg-amber-400 dark:text-amber-950"
                  >
                    {n > 99 ? "99+" : n}
                    <span className="sr-only"> waiting</span>
                  </span>
                ) : null}
              </NavLink>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
