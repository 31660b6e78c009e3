// Only admins reach Settings → GitHub apps. Checked here, above the page's loading boundary, so a viewer or an
// operator gets a real 403 response (forbidden() inside a streamed page would answer 200).
import type { ReactNode } from "react";
import { requirePageUser } from "@/lib/auth/session";

export default async function AppsLayout({ children }: { children: ReactNode }) {
  await requirePageUser("inventory.edit", "/settings/apps");
  return children;
}
