// slipway.yml as a whole: parse with the entity schemas, then the rules that need the whole document
// (unique names, references that resolve, kinds that fit together). Every problem is reported at once, with
// its path (`repos[3].builds[0].deploy[1].image: ...`) and, when the caller can locate it, its line and
// column: the whole-document rules run also when some entries are invalid, over the entries that parsed
// (a reference to an entry that is there but invalid is not reported twice). Nothing is written unless
// there are no problems.
import type { z } from "zod";
import type { FieldIssue } from "@/lib/errors";
import { formatPath } from "@/lib/validation/parse";
import {
  appEntity,
  buildEntity,
  channelEntity,
  contextEntity,
  deployEntity,
  hostEntity,
  inventoryDocument,
  missingImageMessage,
  registryEntity,
  repoEntity,
  secretEntity,
  targetEntity,
  type InventoryDocument,
} from "@/lib/validation/inventory";
import { readDockerEndpoint } from "@/lib/docker/endpoint";
import { canonicalize, hostKeyText, type CanonDoc } from "@/lib/config/canonical";
import { parseKnownHosts } from "@/lib/ssh/known-hosts";

export type IssuePath = (string | number)[];
/** Where a path of the document is in its source text (1-based), when the document came from YAML. */
export type Locate = (path: IssuePath) => { line: number; column: number } | undefined;

function zodIssues(error: z.ZodError): { path: IssuePath; message: string }[] {
  return error.issues.map((i) => {
    const path = i.path.filter((p): p is string | number => typeof p !== "symbol");
    if (i.code === "unrecognized_keys") {
      const keys = (i as { keys: string[] }).keys;
      return {
        path: [...path, ...(keys.length === 1 ? [keys[0]!] : [])],
        message: keys.length === 1 ? "is not a field here (check its spelling and indentation)" : `${keys.join(", ")} are not fields here`,
      };
    }
    return { path, message: i.message };
  });
}

export type CheckedDocument = { ok: true; doc: InventoryDocument; canon: CanonDoc } | { ok: false; issues: FieldIssue[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const without = (o: Obj, key: string): Obj => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/**
 * The entries of a document that parse, each with its index in the file: what the whole-document rules
 * look at when some entries are invalid, so their problems are reported in the same answer.
 */
interface Lenient {
  doc: InventoryDocument;
  /** original index of each kept entry, per list; nested lists per kept parent */
  at: {
    apps: number[];
    hosts: number[];
    docker_contexts: number[];
    registries: number[];
    secrets: number[];
    notifications: number[];
    repos: number[];
    builds: number[][];
    deploy: number[][][];
    targets: number[][][][];
  };
}

/**
 * An entry's fields, parsed; when some are invalid (reported already), parsed again without them, so that
 * the entry (with its defaults there) still takes part in the whole-document rules.
 */
function parseLoosely<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const first = schema.safeParse(value);
  if (first.success || !isObj(value)) return first;
  const bad = new Set(first.error.issues.map((i) => i.path[0]).filter((k): k is string => typeof k === "string"));
  return bad.size ? schema.safeParse(Object.fromEntries(Object.entries(value).filter(([k]) => !bad.has(k)))) : first;
}

function keepValid<S extends z.ZodType>(schema: S, list: unknown): { values: z.output<S>[]; at: number[] } {
  const values: z.output<S>[] = [];
  const at: number[] = [];
  listOf(list).forEach((el, i) => {
    const r = parseLoosely(schema, el);
    if (r.success) {
      values.push(r.data);
      at.push(i);
    }
  });
  return { values, at };
}

function lenientDocument(raw: Obj): Lenient {
  const apps = keepValid(appEntity, raw.apps);
  const hosts = keepValid(hostEntity, raw.hosts);
  const contexts = keepValid(contextEntity, raw.docker_contexts);
  const registries = keepValid(registryEntity, raw.registries);
  const secrets = keepValid(secretEntity, raw.secrets);
  const channels = keepValid(channelEntity, raw.notifications);
  const at: Lenient["at"] = {
    apps: apps.at,
    hosts: hosts.at,
    docker_contexts: contexts.at,
    registries: registries.at,
    secrets: secrets.at,
    notifications: channels.at,
    repos: [],
    builds: [],
    deploy: [],
    targets: [],
  };
  const repos: InventoryDocument["repos"] = [];
  listOf(raw.repos).forEach((r, ri) => {
    if (!isObj(r)) return;
    let repo = parseLoosely(repoEntity, without(r, "builds"));
    // a repository whose own fields are wrong (reported already) still has its builds checked: stand in
    // the URL it lacks, keep its name
    if (!repo.success) repo = parseLoosely(repoEntity, { ...without(r, "builds"), url: "https://invalid.example/placeholder.git" });
    if (!repo.success) return;
    const builds: InventoryDocument["repos"][number]["builds"] = [];
    const bAt: number[] = [];
    const dAt: number[][] = [];
    const tAt: number[][][] = [];
    listOf(r.builds).forEach((b, bi) => {
      if (!isObj(b)) return;
      const build = parseLoosely(buildEntity, without(b, "deploy"));
      if (!build.success) return;
      const deploys: InventoryDocument["repos"][number]["builds"][number]["deploy"] = [];
      const dIdx: number[] = [];
      const tIdx: number[][] = [];
      listOf(b.deploy).forEach((d, di) => {
        if (!isObj(d)) return;
        const rule = parseLoosely(deployEntity, without(d, "targets"));
        if (!rule.success) return;
        const targets = keepValid(targetEntity, d.targets);
        deploys.push({ ...rule.data, targets: targets.values });
        dIdx.push(di);
        tIdx.push(targets.at);
      });
      builds.push({ ...build.data, deploy: deploys });
      bAt.push(bi);
      dAt.push(dIdx);
      tAt.push(tIdx);
    });
    repos.push({ ...repo.data, builds });
    at.repos.push(ri);
    at.builds.push(bAt);
    at.deploy.push(dAt);
    at.targets.push(tAt);
  });
  return {
    doc: {
      version: 1,
      apps: apps.values,
      hosts: hosts.values,
      docker_contexts: contexts.values,
      registries: registries.values,
      secrets: secrets.values,
      notifications: channels.values,
      repos,
    },
    at,
  };
}

/** Names that appear in the file's list `key`, valid or not: a reference to one of them is not reported missing. */
function namesIn(raw: Obj, key: string, field = "name"): Set<string> {
  return new Set(listOf(raw[key]).flatMap((e) => (isObj(e) && typeof e[field] === "string" ? [String(e[field]).trim()] : [])));
}

/** Validates a document (already read from YAML or JSON) and returns it in canonical form. */
/**
 * Whether a build of repository entry `r` may use secret `s`: a global one, one of its app, or one of its
 * repository (of that entry's app, when the secret names one). The console's build rule form asks the same.
 */
export function secretVisibleTo(s: { scope: string; app?: string | null; repo?: string | null }, r: { repo?: string | null; app?: string | null }): boolean {
  return s.scope === "global" || (s.scope === "app" && s.app === (r.app ?? undefined)) || (s.scope === "repository" && s.repo === r.repo && (!s.app || s.app === r.app));
}

export function checkDocument(raw: unknown, locate?: Locate): CheckedDocument {
  if (raw === null || raw === undefined) raw = {};
  if (!isObj(raw)) {
    return { ok: false, issues: [{ path: "", message: "slipway.yml must be a mapping with apps, hosts, docker_contexts, registries, secrets, notifications and repos", ...locate?.([]) }] };
  }
  const found: { path: IssuePath; message: string }[] = [];
  const add = (path: IssuePath, message: string) => found.push({ path, message });
  const parsed = inventoryDocument.safeParse(raw);
  let lenient: Lenient;
  if (parsed.success) {
    const d = parsed.data;
    const seq = (n: number) => Array.from({ length: n }, (_, i) => i);
    lenient = {
      doc: d,
      at: {
        apps: seq(d.apps.length),
        hosts: seq(d.hosts.length),
        docker_contexts: seq(d.docker_contexts.length),
        registries: seq(d.registries.length),
        secrets: seq(d.secrets.length),
        notifications: seq(d.notifications.length),
        repos: seq(d.repos.length),
        builds: d.repos.map((r) => seq(r.builds.length)),
        deploy: d.repos.map((r) => r.builds.map((b) => seq(b.deploy.length))),
        targets: d.repos.map((r) => r.builds.map((b) => b.deploy.map((x) => seq(x.targets.length)))),
      },
    };
  } else {
    for (const i of zodIssues(parsed.error)) add(i.path, i.message);
    lenient = lenientDocument(raw);
  }
  const known = {
    apps: namesIn(raw, "apps"),
    hosts: namesIn(raw, "hosts"),
    contexts: namesIn(raw, "docker_contexts"),
    registries: namesIn(raw, "registries"),
    repos: namesIn(raw, "repos", "repo"),
  };
  const canon = wholeDocumentRules(lenient, known, listOf(raw.hosts), add);

  if (found.length || !parsed.success) {
    const seen = new Set<string>();
    const issues: FieldIssue[] = [];
    for (const f of found) {
      const path = formatPath(f.path);
      const key = `${path}\u0000${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({ path, message: f.message, ...locate?.(f.path) });
    }
    return { ok: false, issues };
  }
  return { ok: true, doc: lenient.doc, canon };
}

/** The rules that need the whole document, over the entries that parsed; returns the canonical form. */
function wholeDocumentRules(
  { doc, at }: Lenient,
  known: { apps: Set<string>; hosts: Set<string>; contexts: Set<string>; registries: Set<string>; repos: Set<string> },
  rawHosts: unknown[],
  add: (path: IssuePath, message: string) => void,
): CanonDoc {
  const repoAt = (ri: number): IssuePath => ["repos", at.repos[ri]!];
  const buildAt = (ri: number, bi: number): IssuePath => [...repoAt(ri), "builds", at.builds[ri]![bi]!];
  const deployAt = (ri: number, bi: number, di: number): IssuePath => [...buildAt(ri, bi), "deploy", at.deploy[ri]![bi]![di]!];
  const targetAt = (ri: number, bi: number, di: number, ti: number): IssuePath => [...deployAt(ri, bi, di), "targets", at.targets[ri]![bi]![di]![ti]!];

  // Host keys: each line parsed and checked against its host; stored as "algorithm base64".
  doc.hosts.forEach((h, hi) => {
    const normalized: string[] = [];
    h.host_keys.forEach((line, ki) => {
      const r = parseKnownHosts(line, { address: h.address, port: h.port });
      for (const e of r.errors) add(["hosts", at.hosts[hi]!, "host_keys", ki], e.message.replace(/^line \d+:?\s*/, ""));
      for (const k of r.keys) normalized.push(hostKeyText(k.algorithm, k.publicKey));
    });
    h.host_keys = normalized;
  });

  const unique = <T>(list: T[], key: (t: T) => string, path: (i: number) => IssuePath, what: string) => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k.toLowerCase());
      if (first !== undefined) add(path(i), `${what} '${k}' is used twice (first at ${formatPath(path(first))}); names are unique`);
      else seen.set(k.toLowerCase(), i);
    });
  };
  unique(doc.apps, (a) => a.name, (i) => ["apps", at.apps[i]!, "name"], "app name");
  unique(doc.hosts, (h) => h.name, (i) => ["hosts", at.hosts[i]!, "name"], "host name");
  unique(doc.docker_contexts, (c) => c.name, (i) => ["docker_contexts", at.docker_contexts[i]!, "name"], "context name");
  unique(doc.registries, (r) => r.name, (i) => ["registries", at.registries[i]!, "name"], "registry name");
  unique(doc.notifications, (c) => c.name, (i) => ["notifications", at.notifications[i]!, "name"], "channel name");
  unique(doc.secrets, (s) => `${s.scope}:${s.app ?? s.repo ?? ""}:${s.name}`, (i) => ["secrets", at.secrets[i]!, "name"], "secret");
  // one GitHub repository may be listed under several apps (each entry deploys its own branches), once per app
  const entries = new Map<string, number>();
  doc.repos.forEach((r, i) => {
    const k = `${r.repo.toLowerCase()}\u0000${r.app ?? ""}`;
    const first = entries.get(k);
    if (first === undefined) entries.set(k, i);
    else {
      const under = r.app ? `under app ${r.app}` : "without an app";
      add([...repoAt(i), "repo"], `repository ${r.repo} is listed twice ${under} (first at ${formatPath(repoAt(first))}); merge the two entries into one (put the builds of both under one entry)`);
    }
  });

  const canon = canonicalize(doc);
  const contexts = new Map(doc.docker_contexts.map((c) => [c.name, c]));
  const hosts = new Set(doc.hosts.map((h) => h.name));
  const appsOfRepo = (name: string) => doc.repos.filter((r) => r.repo === name).map((r) => r.app ?? null);

  // a context's ssh:// endpoint goes through a registered host: compared with every host of the file, also
  // one with a problem of its own (reported at that host)
  const hostAddresses = rawHosts.flatMap((h) =>
    isObj(h) && typeof h.address === "string" ? [{ address: h.address.trim().toLowerCase(), port: h.port === undefined || h.port === null || h.port === "" ? 22 : Number(h.port) }] : [],
  );
  doc.docker_contexts.forEach((c, ci) => {
    const ep = readDockerEndpoint(c.endpoint);
    if ("problem" in ep || ep.kind !== "ssh") return;
    if (!hostAddresses.some((h) => h.address === ep.host.toLowerCase() && h.port === ep.port)) {
      add(["docker_contexts", at.docker_contexts[ci]!, "endpoint"], `no host in hosts has address ${ep.host} and port ${ep.port}; register the host (with its pinned keys) so Slipway can reach this context`);
    }
  });

  doc.secrets.forEach((s, si) => {
    if (s.app && !known.apps.has(s.app)) add(["secrets", at.secrets[si]!, "app"], `there is no app named '${s.app}' in apps`);
    if (s.repo && !known.repos.has(s.repo)) add(["secrets", at.secrets[si]!, "repo"], `there is no repository '${s.repo}' in repos`);
    else if (s.repo && s.app && appsOfRepo(s.repo).length > 0 && !appsOfRepo(s.repo).includes(s.app)) add(["secrets", at.secrets[si]!, "app"], `repository ${s.repo} is not listed under app ${s.app} in repos`);
    else if (s.repo && !s.app && appsOfRepo(s.repo).length > 1) {
      add(["secrets", at.secrets[si]!, "app"], `repository ${s.repo} is listed under several apps (${appsOfRepo(s.repo).map((a) => a ?? "no app").join(", ")}); name the app of the entry this secret is for`);
    }
  });

  const targetNames = new Map<string, string>();
  doc.repos.forEach((r, ri) => {
    if (r.app && !known.apps.has(r.app)) add([...repoAt(ri), "app"], `there is no app named '${r.app}' in apps`);
    const buildNames = new Map<string, number>();
    r.builds.forEach((b, bi) => {
      const cb = canon.repos[ri]!.builds[bi]!;
      const prev = buildNames.get(cb.name);
      if (prev !== undefined) {
        add([...buildAt(ri, bi), "name"], `two builds of ${r.repo} are named '${cb.name}' (also builds[${at.builds[ri]![prev]}]); give one of them a name`);
      } else buildNames.set(cb.name, bi);
      for (const [si, secret] of b.build_secrets.entries()) {
        const visible = doc.secrets.some((s) => s.name === secret && secretVisibleTo(s, r));
        if (!visible) add([...buildAt(ri, bi), "build_secrets", si], `no secret '${secret}' is declared for this repository, its app, or globally in secrets`);
      }
      const branches = new Set<string>();
      b.deploy.forEach((d, di) => {
        const dat = deployAt(ri, bi, di);
        if (branches.has(d.branch)) add([...dat, "branch"], `branch ${d.branch} is deployed twice by this build; put all its targets in one entry`);
        branches.add(d.branch);
        if (!d.image) add([...dat, "image"], missingImageMessage(b.kind));
        if (d.registry && !known.registries.has(d.registry)) add([...dat, "registry"], `there is no registry named '${d.registry}' in registries`);
        if (d.preview?.enabled && b.kind !== "docker") add([...dat, "preview"], "previews run docker images: only a docker build's deployment rule has them");
        if (d.preview?.context) {
          const c = contexts.get(d.preview.context);
          if (!c) {
            if (!known.contexts.has(d.preview.context)) add([...dat, "preview", "context"], `there is no docker context named '${d.preview.context}' in docker_contexts`);
          } else if (c.role === "build") add([...dat, "preview", "context"], `context '${d.preview.context}' is a build host only; previews run on a swarm manager (role swarm_manager or both)`);
        }
        if (d.preview?.enabled && !d.preview.context && !d.targets.some((t) => t.context && !t.compose_project)) {
          add([...dat, "preview", "context"], "previews run on the context of the rule's first swarm target, and this rule has none: name a context (preview.context)");
        }
        d.targets.forEach((t, ti) => {
          const tat = targetAt(ri, bi, di, ti);
          const name = canon.repos[ri]!.builds[bi]!.deploy[di]!.targets[ti]!.name;
          const first = targetNames.get(name);
          if (first) add([...tat, "name"], `target name '${name}' is used twice (first at ${first}); give one a name`);
          else targetNames.set(name, formatPath(tat));
          if (b.kind === "docker" && t.host) add([...tat, "host"], "a docker build deploys to a docker context (context: NAME), not to a host");
          if (b.kind === "unikernel" && t.context) add([...tat, "context"], "a unikernel deploys to a host (host: NAME), not to a docker context");
          if (t.context) {
            const c = contexts.get(t.context);
            if (!c) {
              if (!known.contexts.has(t.context)) add([...tat, "context"], `there is no docker context named '${t.context}' in docker_contexts`);
            } else if (c.role === "build" && !t.compose_project) add([...tat, "context"], `context '${t.context}' is a build host only; a swarm service needs role swarm_manager or both`);
          }
          if (t.host && !hosts.has(t.host) && !known.hosts.has(t.host)) add([...tat, "host"], `there is no host named '${t.host}' in hosts`);
          if (t.environment && !(d.environments ?? []).some((e) => e.name === t.environment)) {
            const names = (d.environments ?? []).map((e) => e.name);
            add(
              [...tat, "environment"],
              names.length
                ? `there is no environment named '${t.environment}' in this deployment's environments (${names.join(", ")})`
                : `this deployment has no environments: list '${t.environment}' under its environments, or remove environment from the target`,
            );
          }
        });
      });
    });
  });
  return canon;
}
