// A release's provenance as an in-toto Statement v1 with a SLSA Provenance v1 predicate
// (https://slsa.dev/spec/v1.0/provenance): what was built (the image repository and digest, and a unikernel's
// file), from which commit of which repository, by which build rule with which arguments, by which Slipway,
// when. Build secrets appear by name only; a build argument that holds a secret's value is left out.
import { z } from "zod";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

export interface ProvenanceInput {
  /** the console's URL (SLIPWAY_URL): builder.id and buildType are under it */
  slipwayUrl: string;
  slipwayVersion: string;
  buildId: string;
  imageRepo: string;
  /** sha256:… of the release's manifest (or manifest list) */
  digest: string;
  tag: string;
  /** a unikernel release: the kernel file kept in the image */
  artifact: { path: string; sha256: string } | null;
  repository: { name: string; url: string };
  /** refs/heads/<branch> */
  ref: string;
  commitSha: string;
  rule: { name: string; kind: "docker" | "unikernel"; dockerfile: string; context: string; unikernelTarget: string | null };
  /** the build args as given to the build (TARGET included for a unikernel) */
  buildArgs: Record<string, string>;
  /** the names of the build secrets mounted with --secret */
  buildSecretNames: string[];
  /** their values: only to leave out any build argument that holds one */
  secretValues: string[];
  platforms: string[];
  startedOn: Date;
  finishedOn: Date;
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "is not a sha256 hex digest");

export const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(z.object({ name: z.string().min(1), digest: z.object({ sha256: sha256Hex }).loose() })).min(1),
  predicateType: z.literal(SLSA_PROVENANCE_V1),
  predicate: z.object({
    buildDefinition: z.object({
      buildType: z.string().min(1),
      externalParameters: z.object({}).loose(),
      internalParameters: z.object({}).loose().optional(),
      resolvedDependencies: z.array(z.object({ uri: z.string().optional(), digest: z.record(z.string(), z.string()).optional() }).loose()).optional(),
    }),
    runDetails: z.object({
      builder: z.object({ id: z.string().min(1), version: z.record(z.string(), z.string()).optional() }).loose(),
      metadata: z.object({ invocationId: z.string().optional(), startedOn: z.string().optional(), finishedOn: z.string().optional() }).loose().optional(),
    }),
  }),
});
export type Statement = z.output<typeof statementSchema>;

/** The build type's URI: how a Slipway build is described (docs/provenance.md). */
export function buildTypeOf(slipwayUrl: string): string {
  return `${slipwayUrl.replace(/\/+$/, "")}/provenance/build-type/v1`;
}

/** The builder's id: this Slipway installation. */
export function builderIdOf(slipwayUrl: string): string {
  return `${slipwayUrl.replace(/\/+$/, "")}/builder`;
}

function withoutSecrets(args: Record<string, string>, secretValues: readonly string[]): { args: Record<string, string>; withheld: string[] } {
  const values = secretValues.filter((v) => v.length > 0);
  const out: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (values.some((s) => v.includes(s))) withheld.push(k);
    else out[k] = v;
  }
  return { args: out, withheld };
}

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`the release's digest ${digest.slice(0, 80)} is not sha256:<64 hex digits>`);
  return m[1]!;
}

export function buildStatement(p: ProvenanceInput): Statement {
  const { args, withheld } = withoutSecrets(p.buildArgs, p.secretValues);
  const subject = [
    { name: p.imageRepo, digest: { sha256: hexOf(p.digest) } },
    ...(p.artifact ? [{ name: `${p.imageRepo}${p.artifact.path}`, digest: { sha256: p.artifact.sha256 } }] : []),
  ];
  return {
    _type: STATEMENT_TYPE,
    subject,
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: buildTypeOf(p.slipwayUrl),
        externalParameters: {
          repository: p.repository.url,
          ref: p.ref,
          commit: p.commitSha,
          buildRule: {
            name: p.rule.name,
            kind: p.rule.kind,
            dockerfile: p.rule.dockerfile,
            context: p.rule.context || ".",
            ...(p.rule.unikernelTarget ? { unikernelTarget: p.rule.unikernelTarget } : {}),
          },
          buildArgs: args,
          ...(withheld.length ? { buildArgsWithheld: withheld } : {}),
          buildSecrets: [...p.buildSecretNames],
          platforms: [...p.platforms],
        },
        internalParameters: { repositoryName: p.repository.name, image: `${p.imageRepo}:${p.tag}` },
        resolvedDependencies: [{ uri: `git+${p.repository.url}@${p.ref}`, digest: { gitCommit: p.commitSha } }],
      },
      runDetails: {
        builder: { id: builderIdOf(p.slipwayUrl), version: { slipway: p.slipwayVersion } },
        metadata: { invocationId: p.buildId, startedOn: p.startedOn.toISOString(), finishedOn: p.finishedOn.toISOString() },
      },
    },
  };
}

export type StatementCheck = { ok: true; statement: Statement } | { ok: false; message: string };

/** Parses a signed payload and checks that it names `imageRepo` at `digest` among its subjects. */
export function checkStatement(payload: Buffer, imageRepo: string, digest: string): StatementCheck {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch {
    return { ok: false, message: "its signed payload is not JSON" };
  }
  const parsed = statementSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `its signed payload is not an in-toto statement with SLSA provenance v1 (${issue ? `${issue.path.join(".") || "the document"} ${issue.message}` : "unreadable"})` };
  }
  const hex = digest.replace(/^sha256:/, "");
  const s = parsed.data;
  if (!s.subject.some((x) => x.digest.sha256 === hex)) {
    const named = s.subject.map((x) => `${x.name}@sha256:${x.digest.sha256}`).join(", ");
    return { ok: false, message: `it is signed for ${named}, not for ${imageRepo}@${digest} that is about to run` };
  }
  return { ok: true, statement: s };
}
