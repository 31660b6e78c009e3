// The role a user holds: Viewer, Operator or Admin, each its own colour.
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { roleDescriptions, roleLabels, type Role } from "@/lib/auth/roles";

const roleTones: Record<Role, BadgeTone> = { viewer: "zinc", operator: "sky", admin: "rose" };

export function RoleBadge({ role }: { role: Role }) {
  return (
    <Badge tone={roleTones[role]} dot={false} title={`${roleLabels[role]}: ${roleDescriptions[role]}`}>
      {roleLabels[role]}
    </Badge>
  );
}
