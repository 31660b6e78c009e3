// Words for a docker context's role.
import type { ContextRoleName } from "@/lib/queries/inventory-hosts";

export const contextRoleLabels: Record<ContextRoleName, string> = {
  build: "Build host",
  swarm_manager: "Swarm manager",
  both: "Build host and swarm manager",
};

export const contextRoleOptions = (Object.keys(contextRoleLabels) as ContextRoleName[]).map((value) => ({ value, label: contextRoleLabels[value] }));
