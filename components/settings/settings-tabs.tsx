// Sub-navigation of Settings.
import { NavLink } from "@/components/shell/nav-link";

const tabs = [
  { href: "/settings", label: "Overview", exact: true },
  { href: "/settings/users", label: "Users" },
  { href: "/settings/workers", label: "Workers" },
  { href: "/settings/deployments", label: "Deployments" },
  { href: "/settings/apps", label: "GitHub apps" },
  { href: "/settings/registries", label: "Registries" },
  { href: "/settings/secrets", label: "Secrets" },
  { href: "/settings/notifications", label: "Notifications" },
  { href: "/settings/deployer-key", label: "Deployer key" },
  { href: "/settings/provenance-key", label: "Provenance key" },
  { href: "/settings/config", label: "Config" },
  { href: "/settings/api-tokens", label: "API tokens" },
  { href: "/settings/api", label: "API reference", exact: true },
];

const tabClass =
  "-mb-px inline-block border-b-2 border-transparent px-1 pb-2.5 text-sm font-medium text-zinc-600 hover:border-zinc-300 hover:text-zinc-900 " +
  "dark:text-zinc-400 dark:hover:border-zinc-600 dark:hover:text-zinc-100 " +
  "aria-[current=page]:border-sky-600 aria-[current=page]:text-sky-700 dark:aria-[current=page]:border-sky-400 dark:aria-[current=page]:text-sky-300";

export function SettingsTabs() {
  return (
    <nav aria-label="Settings" className="mb-6 border-b border-zinc-200 dark:border-zinc-800">
      <p className="mb-3 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Settings</p>
      <ul className="flex flex-wrap gap-x-6 gap-y-1">
        {tabs.map((t) => (
          <li key={t.href}>
            <NavLink href={t.href} exact={t.exact} className={tabClass}>
              {t.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
