// GET /api/provenance-key — Slipway's provenance public key (PEM) as slipway-provenance.pub, for cosign and openssl.
import { withActor } from "@/lib/http/api";
import { provenancePublicKeyDownload } from "@/lib/http/provenance-download";

export const dynamic = "force-dynamic";

export const GET = withActor(async () => provenancePublicKeyDownload(), { permission: "console.view" });
