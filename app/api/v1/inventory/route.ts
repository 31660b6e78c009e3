// GET /api/v1/inventory — the whole inventory as slipway.yml (Settings → Config's export).
import { apiRoute } from "@/lib/api/route";
import { exportInventoryOp } from "@/lib/api/v1/operations";
import { exportInventory } from "@/lib/services/inventory/config";

export const GET = apiRoute(exportInventoryOp, async ({ actor }) =>
  new Response(await exportInventory(actor), { headers: { "content-type": "text/yaml; charset=utf-8", "cache-control": "no-store" } }),
);
