// slipway.yml as a whole: parse with the entity schemas, then the rules that need the whole document
// (unique names, references that resolve, kinds that fit together). Every problem is reported with its
// path (`repos[3].builds[0].deploy[1].image: ...`); nothing is written unless there are none.
import type { z } from "zod";
import type { FieldIssue } from "@/lib/errors";
import { formatPath } from "@/lib/validation/parse";
import { inventoryDocument, missingImageMessage, type InventoryDocument } from "@/lib/validation/inventory";
import { readDockerEndpoint } from "@/lib/docker/endpoint";
import { canonicalize, hostKeyText, type CanonDoc } from "@/lib/config/canonical";
import { parseKnownHosts } from "@/lib/ssh/known-hosts";

function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => {
    if (i.code === "unrecognized_keys") {
      const keys = (i as { keys: string[] }).keys;
      return {
        path: formatPath([...i.path, ...(keys.length === 1 ? [keys[0]!] : [])]),
        message: keys.length === 1 ? "is not a field here (check its spelling and indentation)" : `${keys.join(", ")} are not fields here`,
      };
    }
    return { path: formatPath(i.path), message: i.message };
  });
}

export type CheckedDocument = { ok: true; doc: InventoryDocument; canon: CanonDoc } | { ok: false; issues: FieldIssue[] };

/** Validates a document (already read from YAML or JSON) and returns it in canonical form. */
export function checkDocument(raw: unknown): CheckedDocument {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: "", message: "slipway.yml must be a mapping with apps, hosts, docker_contexts, registries, secrets, notifications and repos" }] };
  }
  const parsed = inventoryDocument.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const doc = parsed.data;
  const issues: FieldIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path: formatPath(path), message });

  // Host keys: each line parsed and checked against its host; stored as "algorithm base64".
  doc.hosts.forEach((h, hi) => {
    const normalized: string[] = [];
    h.host_keys.forEach((line, ki) => {
      const r = parseKnownHosts(line, { address: h.address, port: h.port });
      for (const e of r.errors) add(["hosts", hi, "host_keys", ki], e.message.replace(/^line \d+:?\s*/, ""));
      for (const k of r.keys) normalized.push(hostKeyText(k.algorithm, k.publicKey));
    });
    h.host_keys = normalized;
  });

  const unique = <T>(list: T[], key: (t: T) => string, path: (i: number) => (string | number)[], what: string) => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k.toLowerCase());
      if (first !== undefined) add(path(i), `${what} '${k}' is used twice (first at ${formatPath(path(first))}); names are unique`);
      else seen.set(k.toLowerCase(), i);
    });
  };
  unique(doc.apps, (a) => a.name, (i) => ["apps", i, "name"], "app name");
  unique(doc.hosts, (h) => h.name, (i) => ["hosts", i, "name"], "host name");
  unique(doc.docker_contexts, (c) => c.name, (i) => ["docker_contexts", i, "name"], "context name");
  unique(doc.registries, (r) => r.name, (i) => ["registries", i, "name"], "registry name");
  unique(doc.notifications, (c) => c.name, (i) => ["notifications", i, "name"], "channel name");
  unique(doc.secrets, (s) => `${s.scope}:${s.app ?? s.repo ?? ""}:${s.name}`, (i) => ["secrets", i, "name"], "secret");
  unique(doc.repos, (r) => r.repo, (i) => ["repos", i, "repo"], "repository");

  const canon = canonicalize(doc);
  const apps = new Set(doc.apps.map((a) => a.name));
  const hosts = new Map(doc.hosts.map((h) => [h.name, h]));
  const contexts = new Map(doc.docker_contexts.map((c) => [c.name, c]));
  const registries = new Set(doc.registries.map((r) => r.name));
  const repos = new Set(doc.repos.map((r) => r.repo));

  doc.docker_contexts.forEach((c, ci) => {
    const ep = readDockerEndpoint(c.endpoint);
    if ("problem" in ep || ep.kind !== "ssh") return;
    const matching = doc.hosts.filter((h) => h.address.toLowerCase() === ep.host.toLowerCase() && h.port === ep.port);
    if (matching.length === 0) {
      add(["docker_contexts", ci, "endpoint"], `no host in hosts has address ${ep.host} and port ${ep.port}; register the host (with its pinned keys) so Slipway can reach this context`);
    }
  });

  doc.secrets.forEach((s, si) => {
    if (s.app && !apps.has(s.app)) add(["secrets", si, "app"], `there is no app named '${s.app}' in apps`);
    if (s.repo && !repos.has(s.repo)) add(["secrets", si, "repo"], `there is no repository '${s.repo}' in repos`);
  });

  const targetNames = new Map<string, string>();
  doc.repos.forEach((r, ri) => {
    if (r.app && !apps.has(r.app)) add(["repos", ri, "app"], `there is no app named '${r.app}' in apps`);
    const buildNames = new Map<string, number>();
    r.builds.forEach((b, bi) => {
      const cb = canon.repos[ri]!.builds[bi]!;
      const prev = buildNames.get(cb.name);
      if (prev !== undefined) {
        add(["repos", ri, "builds", bi, "name"], `two builds of ${r.repo} are named '${cb.name}' (also builds[${prev}]); give one of them a name`);
      } else buildNames.set(cb.name, bi);
      for (const [si, secret] of b.build_secrets.entries()) {
        const visible = doc.secrets.some(
          (s) => s.name === secret && (s.scope === "global" || (s.scope === "app" && s.app === r.app) || (s.scope === "repository" && s.repo === r.repo)),
        );
        if (!visible) add(["repos", ri, "builds", bi, "build_secrets", si], `no secret '${secret}' is declared for this repository, its app, or globally in secrets`);
      }
      const branches = new Set<string>();
      b.deploy.forEach((d, di) => {
        const at = ["repos", ri, "builds", bi, "deploy", di];
        if (branches.has(d.branch)) add([...at, "branch"], `branch ${d.branch} is deployed twice by this build; put all its targets in one entry`);
        branches.add(d.branch);
        if (!d.image) add([...at, "image"], missingImageMessage(b.kind));
        if (d.registry && !registries.has(d.registry)) add([...at, "registry"], `there is no registry named '${d.registry}' in registries`);
        d.targets.forEach((t, ti) => {
          const tat = [...at, "targets", ti];
          const name = canon.repos[ri]!.builds[bi]!.deploy[di]!.targets[ti]!.name;
          const first = targetNames.get(name);
          if (first) add([...tat, "name"], `target name '${name}' is used twice (first at ${first}); give one a name`);
          else targetNames.set(name, formatPath(tat));
          if (b.kind === "docker" && t.host) add([...tat, "host"], "a docker build deploys to a docker context (context: NAME), not to a host");
          if (b.kind === "unikernel" && t.context) add([...tat, "context"], "a unikernel deploys to a host (host: NAME), not to a docker context");
          if (t.context) {
            const c = contexts.get(t.context);
            if (!c) add([...tat, "context"], `there is no docker context named '${t.context}' in docker_contexts`);
            else if (c.role === "build" && !t.compose_project) add([...tat, "context"], `context '${t.context}' is a build host only; a swarm service needs role swarm_manager or both`);
          }
          if (t.host && !hosts.has(t.host)) add([...tat, "host"], `there is no host named '${t.host}' in hosts`);
        });
      });
    });
  });

  return issues.length ? { ok: false, issues } : { ok: true, doc, canon };
}
