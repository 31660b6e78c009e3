// Downloads of signed provenance: a release's statement as signed (provenance-<release>.intoto.json) and the
// provenance key's public half (slipway-provenance.pub). Public material only: the private key is never read here.
import "server-only";
import { NotFoundError } from "@/lib/errors";
import { activeProvenanceKey, getReleaseProvenance } from "@/lib/queries/release-provenance";
import { parseInput } from "@/lib/validation/parse";
import { releaseIdInput } from "@/lib/validation/releases";

const headers = { "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store" };

export async function provenanceStatementDownload(id: string): Promise<Response> {
  const { releaseId } = parseInput(releaseIdInput, { releaseId: id });
  const p = await getReleaseProvenance(releaseId);
  if (!p) throw new NotFoundError("That release does not exist; check the link.");
  if (!p.statement) {
    throw new NotFoundError(p.status === "before_signing" ? "This release was recorded before Slipway signed releases: it has no provenance." : "This release has no signed provenance.");
  }
  return new Response(p.statement, {
    headers: { ...headers, "Content-Type": "application/json", "Content-Disposition": `attachment; filename="provenance-${p.releaseId}.intoto.json"` },
  });
}

export async function provenancePublicKeyDownload(): Promise<Response> {
  const key = await activeProvenanceKey();
  if (!key) throw new NotFoundError("Slipway has no provenance key yet: it is generated when a worker or the console first starts.");
  return new Response(key.publicKeyPem, {
    headers: { ...headers, "Content-Type": "application/x-pem-file", "Content-Disposition": 'attachment; filename="slipway-provenance.pub"', "X-Key-Id": key.keyId },
  });
}
