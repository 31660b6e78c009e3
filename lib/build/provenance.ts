// The build side of signed provenance: a release's in-toto statement (lib/provenance/statement.ts) signed
// as a DSSE envelope with Slipway's provenance key and pushed next to the image as a cosign attestation
// (lib/registry/attestation.ts). What is returned is stored with the release (release_provenance).
import { signEnvelope, IN_TOTO_PAYLOAD_TYPE } from "@/lib/provenance/dsse";
import { buildStatement, SLSA_PROVENANCE_V1, type ProvenanceInput } from "@/lib/provenance/statement";
import { pushAttestation } from "@/lib/registry/attestation";
import type { RegistryCredentials } from "@/lib/registry/client";
import { provenanceSigningKey } from "@/lib/services/provenance-key";

export interface SignedProvenance {
  keyId: string;
  /** the statement's JSON, exactly the signed bytes */
  statement: string;
  envelope: string;
  attestationRef: string;
  attestationDigest: string;
}

/** Signs the release's statement and pushes it as the attestation of its digest. */
export async function signAndPushProvenance(
  input: ProvenanceInput,
  registry: { baseUrl: string; creds: RegistryCredentials; repoPath: string },
  signal: AbortSignal,
): Promise<SignedProvenance> {
  const statement = JSON.stringify(buildStatement(input));
  const key = await provenanceSigningKey();
  const envelope = JSON.stringify(signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(statement, "utf8"), key.privateKey));
  const pushed = await pushAttestation({ baseUrl: registry.baseUrl, creds: registry.creds, repo: registry.repoPath, digest: input.digest, envelope, predicateType: SLSA_PROVENANCE_V1, signal });
  return { keyId: key.keyId, statement, envelope, attestationRef: `${input.imageRepo}:${pushed.tag}`, attestationDigest: pushed.manifestDigest };
}
