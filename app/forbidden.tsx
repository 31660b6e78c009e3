// Rendered by forbidden() with status 403 outside the console shell.
import type { Metadata } from "next";
import { getSessionUser } from "@/lib/auth/session";
import { ForbiddenMessage } from "@/components/errors/forbidden-message";

export const metadata: Metadata = { title: "No access" };

export default async function Forbidden() {
  const user = await getSessionUser();
  return (
    <main className="flex min-h-screen items-center justify-center px-6 py-12">
      <ForbiddenMessage role={user?.role ?? null} />
    </main>
  );
}
