// provenance: a release's signed provenance as the server stored and last checked it (GET /releases/{id}/provenance).
import { EXIT } from "@/cli/exit-codes";
import { releaseProvenanceSchema } from "@/cli/schemas";
import { requireId } from "@/cli/resolve";
import { fields, printJson } from "@/cli/output";
import type { Command } from "@/cli/command";
import { formatUtc } from "@/components/format/time";

const STATUS_WORDS: Record<string, string> = {
  signed: "signed by Slipway",
  before_signing: "recorded before Slipway signed releases (deployed with a warning, not checked)",
  unsigned: "no signed provenance stored",
};

const CHECK_WORDS: Record<string, string> = {
  verified: "verified",
  unsigned_allowed: "missing, deployed because the target allows unsigned releases",
  before_signing: "not checked (recorded before signing)",
  failed: "refused",
};

export const provenance: Command = {
  name: "provenance",
  usage: "<release-id> [--statement]",
  summary: "a release's signed provenance: subject, source, builder, key, attestation and its last check",
  help: "The statement is an in-toto Statement v1 with a SLSA provenance v1 predicate, signed as a DSSE envelope and\npushed next to the image as cosign's sha256-<hex>.att (docs/provenance.md says how to verify it yourself).",
  options: {
    statement: { type: "boolean", description: "print the signed statement (JSON) instead" },
  },
  args: { min: 1, max: 1 },
  async run(ctx, [id], values) {
    const p = await ctx.client().json("GET", `/releases/${encodeURIComponent(requireId("release", id!, "`slipway build <id>` lists a build's releases"))}/provenance`, releaseProvenanceSchema);
    if (values.statement) {
      printJson(ctx.io, p.statement ?? null);
      return EXIT.ok;
    }
    if (ctx.json) {
      printJson(ctx.io, p);
      return EXIT.ok;
    }
    const t = (s: string | null | undefined) => (s ? formatUtc(new Date(s), { seconds: true }) : null);
    const check = p.lastCheck;
    fields(ctx.io, [
      ["release", p.releaseId],
      ["status", STATUS_WORDS[p.status] ?? p.status],
      ["subject", p.subject.map((s) => `${s.name}@sha256:${s.sha256}`).join(", ")],
      ["repository", p.repository],
      ["ref", p.ref],
      ["commit", p.commit],
      ["builder", p.builder ? `${p.builder.id}${p.builder.version ? ` (${p.builder.version})` : ""}` : null],
      ["started", t(p.startedOn)],
      ["finished", t(p.finishedOn)],
      ["key id", p.keyId],
      ["attestation", p.attestation ? `${p.attestation.ref} (${p.attestation.digest})` : null],
      ["last check", check ? `${CHECK_WORDS[check.result] ?? check.result} on ${check.target}, ${t(check.at)}${check.detail ? `: ${check.detail}` : ""}` : "none yet"],
    ]);
    return EXIT.ok;
  },
};
