// POST /api/v1/previews/{id}/approve — the console's Approve (a fork's pull request).
import { apiRoute } from "@/lib/api/route";
import { approvePreviewOp } from "@/lib/api/v1/operations";
import { approvePreview } from "@/lib/services/previews/commands";
import type { PreviewStateName } from "@/lib/validation/previews";

export const POST = apiRoute(approvePreviewOp, async ({ actor, params }) => {
  const r = await approvePreview(actor, { id: params.id });
  return { message: r.message, state: r.state as PreviewStateName };
});
