// The first step of every command: is this actor allowed? (permission check → command → audit entry)
import type { Actor } from "@/lib/auth/actor";
import { actorRole } from "@/lib/auth/actor";
import { ForbiddenError } from "@/lib/errors";
import { can, permissions, roleLabels, type Permission } from "@/lib/auth/roles";

export function authorize(actor: Actor, permission: Permission): void {
  if (!can({ role: actorRole(actor) }, permission)) {
    const need = roleLabels[permissions[permission]];
    throw new ForbiddenError(
      `This needs the ${need} role and you are ${roleLabels[actorRole(actor)].toLowerCase()}. Ask an admin to change your role under Settings → Users.`,
    );
  }
}
