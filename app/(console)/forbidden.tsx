// Rendered by forbidden() (status 403) inside the console, so the navigation stays.
import type { Metadata } from "next";
import { getSessionUser } from "@/lib/auth/session";
import { ForbiddenMessage } from "@/components/errors/forbidden-message";

export const metadata: Metadata = { title: "No access" };

export default async function Forbidden() {
  const user = await getSessionUser();
  return (
    <div className="py-8">
      <ForbiddenMessage role={user?.role ?? null} />
    </div>
  );
}
