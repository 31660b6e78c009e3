// POST /api/v1/inventory/import[?dryRun=1] — body: slipway.yml. A dry run answers what would change and
// changes nothing; otherwise the import is applied in one transaction (Settings → Config's import).
import { apiRoute } from "@/lib/api/route";
import { importInventoryOp } from "@/lib/api/v1/operations";
import { importInventory, previewImport } from "@/lib/services/inventory/config";
import { readTextBody } from "@/lib/http/body";
import { MAX_CONFIG_BYTES } from "@/lib/config/yaml";
import { ValidationError } from "@/lib/errors";

export const POST = apiRoute(importInventoryOp, async ({ req, actor, query }) => {
  const text = await readTextBody(req, MAX_CONFIG_BYTES, "slipway.yml");
  if (!text.trim()) throw new ValidationError([{ path: "body", message: "is empty; send the contents of slipway.yml (Content-Type: text/yaml)" }]);
  const dryRun = query.dryRun === "1" || query.dryRun === "true";
  const plan = dryRun ? await previewImport(actor, text) : await importInventory(actor, text, { source: "the REST API" });
  const n = plan.changes.length;
  const message = n === 0 ? "Nothing to change: the inventory already matches." : `${dryRun ? "Would make" : "Made"} ${n} change${n === 1 ? "" : "s"} (${plan.counts.create} created, ${plan.counts.update} changed, ${plan.counts.delete} removed).`;
  return { dryRun, changes: plan.changes, counts: plan.counts, planId: plan.planId, message };
});
