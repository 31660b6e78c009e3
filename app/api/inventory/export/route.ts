// GET /api/inventory/export — the whole inventory as slipway.yml, as a download. Secrets appear by name only,
// so anyone who can read the console may export it.
import { NextResponse } from "next/server";
import { withActor } from "@/lib/http/api";
import { exportInventory } from "@/lib/services/inventory/config";

export const dynamic = "force-dynamic";

export const GET = withActor(async (_req, actor) => {
  const text = await exportInventory(actor);
  const stamp = new Date().toISOString().slice(0, 10);
  return new NextResponse(text, {
    headers: {
      "Content-Type": "text/yaml; charset=utf-8",
      "Content-Disposition": `attachment; filename="slipway-${stamp}.yml"`,
      "Cache-Control": "no-store",
    },
  });
});
