// POST /api/inventory/import — body: slipway.yml (Content-Type text/yaml or application/yaml).
// ?dry_run=1 answers the plan (every change) without applying it; otherwise the import is applied in one
// transaction and the plan that was applied is returned. ?plan=<planId> (from a dry run) refuses with 409
// when the inventory moved since; ?source=console names the console's import page in the audit log.
// An invalid file answers 400 with `issues` (path: message).
import { NextResponse } from "next/server";
import { withActor } from "@/lib/http/api";
import { readTextBody } from "@/lib/http/body";
import { ValidationError } from "@/lib/errors";
import { MAX_CONFIG_BYTES } from "@/lib/config/yaml";
import { importInventory, previewImport } from "@/lib/services/inventory/config";

export const dynamic = "force-dynamic";

const YAML_TYPES = ["text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml", "text/plain"];

function truthy(v: string | null): boolean {
  return v !== null && ["1", "true", "yes", ""].includes(v.toLowerCase());
}

export const POST = withActor(async (req, actor) => {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!YAML_TYPES.includes(type)) {
    return NextResponse.json(
      { error: `Send slipway.yml as the request body with Content-Type: text/yaml (got ${type || "none"}).`, code: "unsupported_media_type" },
      { status: 415 },
    );
  }
  const text = await readTextBody(req, MAX_CONFIG_BYTES, "slipway.yml");
  if (!text.trim()) throw new ValidationError([{ path: "", message: "the request body is empty; send the contents of slipway.yml" }]);
  const params = req.nextUrl.searchParams;
  if (truthy(params.get("dry_run"))) {
    return NextResponse.json({ dryRun: true, plan: await previewImport(actor, text) });
  }
  const plan = await importInventory(actor, text, {
    expectedPlanId: params.get("plan") || undefined,
    source: params.get("source") === "console" ? "Settings → Config" : "the REST API",
  });
  return NextResponse.json({ dryRun: false, plan });
}, { permission: "inventory.edit" }); // the role before the body: a viewer's upload is never read
