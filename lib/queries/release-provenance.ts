// A release's signed provenance for its page and GET /api/v1/releases/{id}/provenance: the statement as
// signed (subject, commit, builder, times), the key that signed it, where its attestation is in the
// registry, and how the last deployment of the release found it. Also the provenance key's public half.
import "server-only";
import { getDb } from "@/lib/db";
import type { ProvenanceCheck } from "@/lib/generated/prisma/client";
import { statementSchema } from "@/lib/provenance/statement";
import { isRowId } from "@/lib/validation/ids";

export interface ProvenanceLastCheck {
  deploymentId: string;
  target: { id: string; name: string };
  result: ProvenanceCheck;
  detail: string | null;
  at: Date;
}

export interface ReleaseProvenanceView {
  releaseId: string;
  /** signed: a statement is stored; before_signing: recorded before Slipway signed releases; unsigned: neither */
  status: "signed" | "before_signing" | "unsigned";
  keyId: string | null;
  subject: { name: string; sha256: string }[];
  repository: string | null;
  ref: string | null;
  commit: string | null;
  buildType: string | null;
  builder: { id: string; version: string | null } | null;
  invocationId: string | null;
  startedOn: string | null;
  finishedOn: string | null;
  attestation: { ref: string; digest: string } | null;
  /** the in-toto statement's JSON exactly as signed (null when there is none) */
  statement: string | null;
  signedAt: Date | null;
  lastCheck: ProvenanceLastCheck | null;
}

function text(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

export async function getReleaseProvenance(releaseId: string): Promise<ReleaseProvenanceView | null> {
  if (!isRowId(releaseId)) return null;
  const r = await getDb().release.findUnique({
    where: { id: releaseId },
    select: {
      id: true,
      recordedBeforeSigning: true,
      provenance: true,
      deployments: {
        where: { provenanceCheck: { not: null } },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 1,
        select: { id: true, provenanceCheck: true, provenanceDetail: true, startedAt: true, createdAt: true, target: { select: { id: true, name: true } } },
      },
    },
  });
  if (!r) return null;
  const d = r.deployments[0];
  const lastCheck = d && d.provenanceCheck ? { deploymentId: d.id, target: d.target, result: d.provenanceCheck, detail: d.provenanceDetail, at: d.startedAt ?? d.createdAt } : null;
  const p = r.provenance;
  const empty = { keyId: null, subject: [], repository: null, ref: null, commit: null, buildType: null, builder: null, invocationId: null, startedOn: null, finishedOn: null, attestation: null, statement: null, signedAt: null };
  if (!p) return { releaseId: r.id, status: r.recordedBeforeSigning ? "before_signing" : "unsigned", ...empty, lastCheck };
  let parsed: ReturnType<typeof statementSchema.safeParse> | null = null;
  try {
    parsed = statementSchema.safeParse(JSON.parse(p.statement));
  } catch {
    parsed = null;
  }
  const s = parsed?.success ? parsed.data : null;
  const ext = s?.predicate.buildDefinition.externalParameters ?? {};
  const meta = s?.predicate.runDetails.metadata;
  return {
    releaseId: r.id,
    status: "signed",
    keyId: p.keyId,
    subject: s?.subject.map((x) => ({ name: x.name, sha256: x.digest.sha256 })) ?? [],
    repository: text(ext.repository),
    ref: text(ext.ref),
    commit: text(ext.commit),
    buildType: s?.predicate.buildDefinition.buildType ?? null,
    builder: s ? { id: s.predicate.runDetails.builder.id, version: s.predicate.runDetails.builder.version?.slipway ?? null } : null,
    invocationId: meta?.invocationId ?? null,
    startedOn: meta?.startedOn ?? null,
    finishedOn: meta?.finishedOn ?? null,
    attestation: { ref: p.attestationRef, digest: p.attestationDigest },
    statement: p.statement,
    signedAt: p.createdAt,
    lastCheck,
  };
}

export interface ProvenanceKeyView {
  keyId: string;
  publicKeyPem: string;
  createdAt: Date;
}

/** The key that signs new releases (its public half only). */
export async function activeProvenanceKey(): Promise<ProvenanceKeyView | null> {
  return getDb().provenanceKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" }, select: { keyId: true, publicKeyPem: true, createdAt: true } });
}
