// Before every deployment and rollback, whatever the target's kind: the release's signed provenance is
// fetched from the registry (cosign's sha256-<hex>.att next to the image) and checked: a DSSE signature by
// Slipway's provenance key, over an in-toto statement whose subject is the digest about to run. Missing or
// bad refuses the deployment before the target is touched; a target that allows unsigned releases lets a
// missing one through (audited), never a bad one. Releases recorded before Slipway signed deploy with a warning.
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import type { ProvenanceCheck } from "@/lib/generated/prisma/client";
import { dsseEnvelopeSchema, verifyEnvelope } from "@/lib/provenance/dsse";
import { checkStatement, SLSA_PROVENANCE_V1 } from "@/lib/provenance/statement";
import { fetchAttestations } from "@/lib/registry/attestation";
import { registryBaseUrl } from "@/lib/registry/address";
import { parseImageReference } from "@/lib/validation/inventory-fields";
import { provenanceVerifyKeys } from "@/lib/services/provenance-key";
import type { DeployIo, DeployRelease } from "@/lib/deploy/targets/driver";

/** The release's provenance cannot be trusted, or is missing where it is required: never retried. */
export class ProvenanceRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProvenanceRefused";
  }
}

export interface ProvenanceTarget {
  id: string;
  name: string;
  allowUnsigned: boolean;
}

export interface ProvenanceResult {
  check: Exclude<ProvenanceCheck, "failed">;
  detail: string;
}

/** What the check found, kept on the deployment (the release page shows its last one). */
async function remember(deploymentId: string, check: ProvenanceCheck, detail: string, audit?: { actor: Actor; target: ProvenanceTarget; image: string }): Promise<void> {
  await getDb().$transaction(async (tx) => {
    await tx.deployment.update({ where: { id: deploymentId }, data: { provenanceCheck: check, provenanceDetail: detail.slice(0, 2000) } });
    if (audit) {
      await recordAudit(tx, {
        actor: audit.actor,
        action: "deployment.unsigned_allowed",
        subjectType: "deployment",
        subjectId: deploymentId,
        summary: `${audit.target.name}: ${audit.image} has no signed provenance; deployed because the target allows unsigned releases`,
        after: { provenanceCheck: check, detail },
      });
    }
  });
}

/**
 * Checks the release about to run on the target. Resolves with what was found (and logs it); rejects with
 * ProvenanceRefused (after recording it on the deployment) when the deployment must not go on, or with the
 * registry's error when it could not be asked (the runner's retry decides).
 */
export async function checkReleaseProvenance(deploymentId: string, target: ProvenanceTarget, release: DeployRelease, io: DeployIo, actor: Actor): Promise<ProvenanceResult> {
  const row = release.row;
  if (row.recordedBeforeSigning) {
    const detail = "recorded before Slipway signed releases: its provenance is not checked";
    io.log.line(`warning: this release was ${detail}`);
    await remember(deploymentId, "before_signing", detail);
    return { check: "before_signing", detail };
  }
  const refuse = async (message: string): Promise<never> => {
    await remember(deploymentId, "failed", message);
    throw new ProvenanceRefused(message);
  };
  if (!row.imageRepo || !row.digest) return refuse("the release has no image digest, so it has no provenance to check; rebuild the commit");
  const ref = parseImageReference(`${row.imageRepo}:x`);
  if ("problem" in ref) return refuse(`the release's image ${row.imageRepo} ${ref.problem}`);
  io.log.step(`checking the signed provenance of ${row.imageRepo}@${row.digest}`);
  const fetched = await fetchAttestations({
    baseUrl: registryBaseUrl(release.registryUrl ?? ref.domain),
    creds: { username: release.auth?.username ?? null, password: release.auth?.password ?? null },
    repo: ref.path,
    digest: row.digest,
    signal: io.signal,
  });
  const where = `${row.imageRepo}:${fetched.tag}`;
  if (!fetched.found || fetched.layers.length === 0) {
    const missing = fetched.found ? `${where} holds no DSSE attestation` : `the registry has no attestation ${where}`;
    if (target.allowUnsigned) {
      const detail = `${missing}; deployed unsigned because ${target.name} allows unsigned releases`;
      io.log.line(`warning: ${detail}`);
      await remember(deploymentId, "unsigned_allowed", detail, { actor, target, image: `${row.imageRepo}@${row.digest}` });
      return { check: "unsigned_allowed", detail };
    }
    return refuse(
      `no signed provenance for ${row.imageRepo}@${row.digest}: ${missing}. The target was not touched. Rebuild the commit so Slipway signs the release again; if the image is pushed outside Slipway on purpose, an admin can allow unsigned releases on the target ${target.name}`,
    );
  }
  const keys = await provenanceVerifyKeys();
  const problems: string[] = [];
  for (const [i, layer] of fetched.layers.entries()) {
    const label = fetched.layers.length > 1 ? `layer ${i + 1}: ` : "";
    if (layer.predicateType !== null && layer.predicateType !== SLSA_PROVENANCE_V1) continue;
    let json: unknown;
    try {
      json = JSON.parse(layer.envelope.toString("utf8"));
    } catch {
      problems.push(`${label}it is not a JSON DSSE envelope`);
      continue;
    }
    const envelope = dsseEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      problems.push(`${label}it is not a DSSE envelope (${envelope.error.issues[0]?.path.join(".") || "document"} ${envelope.error.issues[0]?.message ?? ""})`);
      continue;
    }
    const signed = verifyEnvelope(envelope.data, keys);
    if (!signed.ok) {
      problems.push(`${label}${signed.message}`);
      continue;
    }
    const statement = checkStatement(signed.payload, row.imageRepo, row.digest);
    if (!statement.ok) {
      problems.push(`${label}${statement.message}`);
      continue;
    }
    const builder = statement.statement.predicate.runDetails.builder.id;
    const detail = `signed with key ${signed.keyId} for ${row.imageRepo}@${row.digest} (builder ${builder})`;
    io.log.line(`provenance verified: ${detail}`);
    await remember(deploymentId, "verified", detail);
    return { check: "verified", detail };
  }
  if (problems.length === 0) problems.push(`it holds no SLSA provenance v1 attestation`);
  return refuse(
    `the signed provenance of ${row.imageRepo}@${row.digest} (${where}) does not verify: ${problems.join("; ")}. The target was not touched. Rebuild the commit so Slipway signs it again, and find out who changed the attestation in the registry`,
  );
}
