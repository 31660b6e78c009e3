import type { Role } from "@/lib/auth/roles";

declare module "next-auth" {
  interface Session {
    user: { id: string; login: string; name?: string | null; image?: string | null; role: Role };
  }
}
