// Naming things on the command line: a target by its id or its name, a release by its id or by the commit it
// was built from (for the target's deployment rule), and an id that may be a deployment's or a build's.
import { CliError, EXIT } from "@/cli/exit-codes";
import type { ApiClient } from "@/cli/http";
import { isRowId } from "@/lib/validation/ids";
import { buildSchema, deploymentSchema, releaseSchema, targetSchema, type Build, type Deployment, type Release, type Target } from "@/cli/schemas";

/** the most targets looked through for a name */
const MAX_TARGETS = 10_000;

const looksLikeId = (s: string) => /^[a-z0-9]{16,40}$/.test(s);
const path = (s: string) => encodeURIComponent(s);

export async function resolveTarget(client: ApiClient, ref: string): Promise<Target> {
  if (looksLikeId(ref)) {
    try {
      return await client.json("GET", `/targets/${path(ref)}`, targetSchema);
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.notFound) throw err;
    }
  }
  const { items } = await client.list("/targets", targetSchema, {}, MAX_TARGETS);
  const found = items.find((t) => t.name === ref) ?? items.find((t) => t.id === ref);
  if (found) return found;
  const near = items.filter((t) => t.name.toLowerCase().includes(ref.toLowerCase())).map((t) => t.name).slice(0, 5);
  throw new CliError(`no target named "${ref}" that this token may see${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}; \`slipway status\` lists them`, EXIT.notFound);
}

/** The release of `sha` (a prefix of at least 7 hex digits) for the target's deployment rule, newest first. */
export async function releaseOfCommit(client: ApiClient, target: Target, sha: string): Promise<Release> {
  if (!/^[0-9a-f]{7,40}$/i.test(sha)) throw new CliError(`--commit ${sha}: give a commit's SHA, or at least its first 7 hex digits`, EXIT.usage);
  const { items } = await client.list("/releases", releaseSchema, { commit: sha.toLowerCase(), deploymentRule: target.deploymentRuleId ?? undefined }, 2);
  const mine = items.filter((r) => !target.deploymentRuleId || !r.deploymentRuleId || r.deploymentRuleId === target.deploymentRuleId);
  if (mine.length === 0) {
    throw new CliError(
      `no release of commit ${sha} for target ${target.name}'s deployment rule: has its build finished and succeeded? (\`slipway builds --commit ${sha}\`)`,
      EXIT.notFound,
    );
  }
  if (mine.length > 1 && new Set(mine.map((r) => r.commitSha)).size > 1) {
    throw new CliError(`commit ${sha} is ambiguous: give more of its SHA`, EXIT.usage);
  }
  return mine[0]!;
}

export type Run = { kind: "deployment"; value: Deployment } | { kind: "build"; value: Build };

/** A deployment or a build by its id (`prefer` says which to try first; --build / --deployment say which alone). */
export async function findRun(client: ApiClient, id: string, only?: "deployment" | "build"): Promise<Run> {
  requireId(only ?? "deployment or build", id, "`slipway builds` and `slipway status` show them");
  const tries: ("deployment" | "build")[] = only ? [only] : ["deployment", "build"];
  for (const kind of tries) {
    try {
      return kind === "deployment"
        ? { kind, value: await client.json("GET", `/deployments/${path(id)}`, deploymentSchema) }
        : { kind, value: await client.json("GET", `/builds/${path(id)}`, buildSchema) };
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.notFound) throw err;
    }
  }
  throw new CliError(`no ${only ?? "deployment or build"} with id ${id} that this token may see`, EXIT.notFound);
}

export async function fetchRun(client: ApiClient, run: Run, signal?: AbortSignal): Promise<Run> {
  return run.kind === "deployment"
    ? { kind: "deployment", value: await client.json("GET", `/deployments/${path(run.value.id)}`, deploymentSchema, { signal }) }
    : { kind: "build", value: await client.json("GET", `/builds/${path(run.value.id)}`, buildSchema, { signal }) };
}

/** An id from the command line, checked before any request ("no such id" in words, not the server's 422). */
export function requireId(what: string, s: string, hint: string): string {
  if (!isRowId(s)) throw new CliError(`"${s}" is not a ${what} id (letters, digits, '_' and '-'); ${hint}`, EXIT.usage);
  return s;
}
