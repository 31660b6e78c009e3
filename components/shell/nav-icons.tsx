// Outline icons for the sidebar (24×24, stroke). Decorative: each link also has its name in words.
import type { ReactNode } from "react";

export type NavIconName = "dashboard" | "repositories" | "builds" | "deployments" | "approvals" | "previews" | "targets" | "environments" | "hosts" | "contexts" | "services" | "audit" | "settings" | "dora";

const paths: Record<NavIconName, ReactNode> = {
  dora: (
    <>
      <path d="M3.5 20.5h17" />
      <path d="M6 17v-4M10.5 17V9M15 17v-6M19.5 17V5" />
    </>
  ),
  dashboard: (
    <>
      <rect x="3.5" y="3.5" width="7" height="8" rx="1.5" />
      <rect x="13.5" y="3.5" width="7" height="5" rx="1.5" />
      <rect x="13.5" y="11.5" width="7" height="9" rx="1.5" />
      <rect x="3.5" y="14.5" width="7" height="6" rx="1.5" />
    </>
  ),
  repositories: (
    <>
      <circle cx="6" cy="5.5" r="2" />
      <circle cx="6" cy="18.5" r="2" />
      <circle cx="18" cy="8.5" r="2" />
      <path d="M6 7.5v9M18 10.5c0 4-6 3-11 6.5" />
    </>
  ),
  builds: (
    <>
      <path d="M12 3 20 7.5v9L12 21l-8-4.5v-9z" />
      <path d="M4 7.5 12 12l8-4.5M12 12v9" />
    </>
  ),
  deployments: (
    <>
      <path d="M12 3c3.5 2.5 5 6 5 10l-2.5 3h-5L7 13c0-4 1.5-7.5 5-10z" />
      <circle cx="12" cy="10" r="1.5" />
      <path d="M9.5 16 8 20.5 12 18.5l4 2-1.5-4.5" />
    </>
  ),
  approvals: (
    <>
      <path d="M4 13.5 6.5 5.5h11l2.5 8v5a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5z" />
      <path d="M4 13.5h4.5l1 2h5l1-2H20M9.5 10l2 2 3.5-3.5" />
    </>
  ),
  environments: (
    <>
      <rect x="2.5" y="7" width="5" height="10" rx="1" />
      <rect x="16.5" y="7" width="5" height="10" rx="1" />
      <path d="M7.5 12h9M13.5 9l3 3-3 3" />
    </>
  ),
  previews: (
    <>
      <rect x="3.5" y="4.5" width="17" height="13" rx="1.5" />
      <path d="M3.5 8h17M8 20.5h8" />
      <path d="M10 11.5 8 13.5l2 2M14 11.5l2 2-2 2" />
    </>
  ),
  targets: (
    <>
      <circle cx="12" cy="12" r="8" />
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3" />
    </>
  ),
  hosts: (
    <>
      <rect x="3.5" y="4" width="17" height="6.5" rx="1.5" />
      <rect x="3.5" y="13.5" width="17" height="6.5" rx="1.5" />
      <path d="M7 7.25h.01M7 16.75h.01M11 7.25h6M11 16.75h6" />
    </>
  ),
  contexts: (
    <>
      <rect x="3.5" y="11" width="5" height="4" rx="0.75" />
      <rect x="9.5" y="11" width="5" height="4" rx="0.75" />
      <rect x="9.5" y="6" width="5" height="4" rx="0.75" />
      <path d="M3 17.5c1.5 2 4 3 9 3 6 0 8.5-2.5 9.5-6.5-1-.5-2.5-.5-3.5 0-.5-1.5-1.5-2-2.5-2" />
    </>
  ),
  services: (
    <>
      <circle cx="6" cy="6" r="2.25" />
      <circle cx="18" cy="6" r="2.25" />
      <circle cx="12" cy="18" r="2.25" />
      <path d="M8.25 6h7.5M7.2 8l3.6 7.8M16.8 8l-3.6 7.8" />
    </>
  ),
  audit: (
    <>
      <path d="M7 3.5h7.5L19 8v12.5H7z" />
      <path d="M14.5 3.5V8H19M10 12h6M10 15.5h6M4 7v14h11" />
    </>
  ),
  settings: (
    <>
      <path d="M4 7h10M18 7h2M4 17h2M10 17h10" />
      <circle cx="16" cy="7" r="2" />
      <circle cx="8" cy="17" r="2" />
    </>
  ),
};

export function NavIcon({ name }: { name: NavIconName }) {
  return (
    // size and stroke are .nav-icon in app/globals.css: every page sends the sidebar twice (HTML and RSC payload),
    // and five presentation attributes on each of fourteen icons were about 3 kB of it
    <svg viewBox="0 0 24 24" className="nav-icon" aria-hidden="true">
      {paths[name]}
    </svg>
  );
}
