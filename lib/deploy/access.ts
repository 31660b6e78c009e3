// What target drivers may ask of the inventory, answered from the database by the services that own it
// (drivers never import lib/services themselves: lib/deploy/targets/driver.ts).
import type { InventoryAccess } from "@/lib/deploy/targets/driver";
import { contextAccess, hostAccess } from "@/lib/services/inventory/access";

export const inventoryAccess: InventoryAccess = {
  dockerContext: async (contextId) => (await contextAccess(contextId)).access,
  host: hostAccess,
};
