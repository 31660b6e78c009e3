// GET /api/v1/releases/{id}/provenance — the release's signed provenance (statement, key id, attestation) and its last check.
import { apiRoute } from "@/lib/api/route";
import { getReleaseProvenanceOp } from "@/lib/api/v1/operations";
import { getReleaseProvenance } from "@/lib/queries/release-provenance";
import { found, releaseProvenanceJson } from "@/lib/api/v1/present";

export const GET = apiRoute(getReleaseProvenanceOp, async ({ params }) => releaseProvenanceJson(found(await getReleaseProvenance(params.id), "release", params.id)));
