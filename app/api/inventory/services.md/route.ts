// GET /api/inventory/services.md — the services inventory (what deploys where) as Markdown, as a download.
import { NextResponse } from "next/server";
import { withActor } from "@/lib/http/api";
import { authorize } from "@/lib/services/authorize";
import { env } from "@/lib/env";
import { servicesInventory } from "@/lib/queries/services-inventory";
import { servicesMarkdown } from "@/lib/config/services-markdown";

export const dynamic = "force-dynamic";

export const GET = withActor(async (_req, actor) => {
  authorize(actor, "console.view");
  const now = new Date();
  const text = servicesMarkdown(await servicesInventory(), { generatedAt: now, consoleUrl: env().SLIPWAY_URL });
  return new NextResponse(text, {
    headers: {
      "Content-Type": "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename="services-${now.toISOString().slice(0, 10)}.md"`,
      "Cache-Control": "no-store",
    },
  });
});
