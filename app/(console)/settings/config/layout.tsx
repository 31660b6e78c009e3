// Only admins reach Settings → Config (importing changes the whole inventory). Checked here, above the page's
// loading boundary, so anyone else gets a real 403. Exporting stays open to every role through
// /api/inventory/export, since the file holds no secret values.
import type { ReactNode } from "react";
import { requirePageUser } from "@/lib/auth/session";

export default async function ConfigLayout({ children }: { children: ReactNode }) {
  await requirePageUser("inventory.edit", "/settings/config");
  return children;
}
