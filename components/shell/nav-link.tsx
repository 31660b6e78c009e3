"use client";
// A navigation link that marks itself as the current page (aria-current="page"), for the sidebar and tabs.
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

export function isCurrent(pathname: string, href: string, exact: boolean): boolean {
  if (exact || href === "/") return pathname === href;
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function NavLink({ href, exact = false, className, children }: { href: string; exact?: boolean; className: string; children: ReactNode }) {
  const pathname = usePathname();
  return (
    <Link href={href} aria-current={isCurrent(pathname, href, exact) ? "page" : undefined} className={className}>
      {children}
    </Link>
  );
}
