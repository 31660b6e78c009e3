// Only admins reach Settings → Users. Checked here, above the page's loading boundary, so a viewer gets a
// real 403 response (forbidden() inside a streamed page would answer 200).
import type { ReactNode } from "react";
import { requirePageUser } from "@/lib/auth/session";

export default async function UsersLayout({ children }: { children: ReactNode }) {
  await requirePageUser("users.manage", "/settings/users");
  return children;
}
