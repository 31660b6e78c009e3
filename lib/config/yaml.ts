// slipway.yml documents → text. Writing leaves out every field that has its default, so an export reads
// like a hand-written file. Reading (bounded, with line and column for every problem) is in yaml-read.ts.
import { DEFAULT_PREVIEW_MAX_CONCURRENT, DEFAULT_PREVIEW_TTL_HOURS } from "@/lib/validation/previews";
import { stringify } from "yaml";
import {
  buildRuleName,
  defaultRestartUnit,
  defaultTargetName,
  DEFAULT_ALBATROSS_MEMORY_MIB,
  DEFAULT_ARTIFACT_BRANCH,
  DEFAULT_GITHUB_API_URL,
  DEFAULT_GITHUB_WEB_URL,
  DEFAULT_KEEP_ARTIFACTS,
  DEFAULT_MAX_ARTIFACT_MIB,
  DEFAULT_UNIKERNEL_DIR,
} from "@/lib/validation/inventory";
import { formatDuration } from "@/lib/validation/inventory-fields";
import { githubCloneUrl, inferRegistry, type CanonApproval, type CanonDoc, type CanonTarget } from "@/lib/config/canonical";

// reading (with its bounds) lives in yaml-read.ts; the limit is re-exported for the import route
export { MAX_CONFIG_BYTES, readYaml } from "@/lib/config/yaml-read";

type Obj = Record<string, unknown>;

/** Sets key when value differs from its default. */
function put(o: Obj, key: string, value: unknown, def?: unknown) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value) && value.length === 0 && (def === undefined || (Array.isArray(def) && def.length === 0))) return;
  if (def !== undefined && JSON.stringify(value) === JSON.stringify(def)) return;
  o[key] = value;
}

const dur = (s: number) => (s % 60 === 0 && s > 0 ? formatDuration(s) : s);

/** A target's unikernel or artifact repository keys, those that differ from their defaults. */
function putKindFields(to: Obj, t: CanonTarget) {
  put(to, "artifact_repo", t.artifact_repo);
  put(to, "branch", t.branch, DEFAULT_ARTIFACT_BRANCH);
  put(to, "dir", t.dir, DEFAULT_UNIKERNEL_DIR);
  put(to, "keep", t.keep, DEFAULT_KEEP_ARTIFACTS);
  if (!t.restart) return;
  const r = t.restart;
  const ro: Obj = {};
  put(ro, "method", r.method, "systemd");
  put(ro, "unit", r.unit, defaultRestartUnit(t.service));
  put(ro, "memory", r.memory, DEFAULT_ALBATROSS_MEMORY_MIB);
  put(ro, "networks", r.networks);
  put(ro, "args", r.args);
  put(ro, "argv", r.argv);
  if (Object.keys(ro).length) to.restart = ro;
}

/** A deployment rule's or environment's approval policy, left out when it is the default (automatic). */
function putApproval(o: Obj, a: CanonApproval) {
  if (a.mode === "manual" || a.min_approvers !== 1 || a.approver_role !== "operator" || a.expires_after !== null) {
    const ao: Obj = { mode: a.mode };
    put(ao, "min_approvers", a.min_approvers, 1);
    put(ao, "approver_role", a.approver_role, "operator");
    if (a.expires_after !== null) ao.expires_after = dur(a.expires_after);
    o.approval = a.mode === "manual" && Object.keys(ao).length === 1 ? "manual" : ao;
  }
}

const HEADER = `# slipway.yml: Slipway's inventory. Secrets appear by name only; their values are set in the console.
# Import: npm run slipway -- import slipway.yml --dry-run   (then without --dry-run), or Settings → Config.
`;

/** The canonical inventory as slipway.yml text. */
export function toYaml(canon: CanonDoc): string {
  const out: Obj = { version: 1 };
  if (canon.apps.length)
    out.apps = canon.apps.map((a) => {
      const o: Obj = { name: a.name };
      put(o, "app_id", a.app_id);
      put(o, "slug", a.slug);
      put(o, "api_url", a.api_url, DEFAULT_GITHUB_API_URL);
      put(o, "web_url", a.web_url, DEFAULT_GITHUB_WEB_URL);
      put(o, "accounts", a.accounts);
      return o;
    });
  if (canon.hosts.length)
    out.hosts = canon.hosts.map((h) => {
      const o: Obj = { name: h.name, address: h.address };
      put(o, "port", h.port, 22);
      put(o, "user", h.user, "root");
      put(o, "host_keys", h.host_keys);
      return o;
    });
  if (canon.docker_contexts.length)
    out.docker_contexts = canon.docker_contexts.map((c) => {
      const o: Obj = { name: c.name, endpoint: c.endpoint };
      put(o, "role", c.role, "swarm_manager");
      put(o, "archs", c.archs, ["amd64"]);
      put(o, "max_concurrent_builds", c.max_concurrent_builds, 2);
      return o;
    });
  if (canon.registries.length)
    out.registries = canon.registries.map((r) => {
      const o: Obj = { name: r.name, url: r.url };
      put(o, "username", r.username);
      return o;
    });
  if (canon.secrets.length)
    out.secrets = canon.secrets.map((s) => {
      const o: Obj = { name: s.name };
      put(o, "scope", s.scope, "global");
      put(o, "app", s.app);
      put(o, "repo", s.repo);
      return o;
    });
  if (canon.notifications.length)
    out.notifications = canon.notifications.map((c) => {
      const o: Obj = { name: c.name };
      put(o, "kind", c.kind, "slack");
      o.events = c.events;
      if (c.apps.length) o.apps = c.apps;
      if (c.repositories.length) o.repositories = c.repositories;
      put(o, "enabled", c.enabled, true);
      return o;
    });
  const webUrlOf = new Map(canon.apps.map((a) => [a.name, a.web_url]));
  if (canon.repos.length)
    out.repos = canon.repos.map((r) => {
      const o: Obj = { repo: r.repo };
      put(o, "app", r.app);
      if (!r.app || r.url !== githubCloneUrl(webUrlOf.get(r.app) ?? DEFAULT_GITHUB_WEB_URL, r.repo)) o.url = r.url;
      put(o, "default_branch", r.default_branch, "main");
      put(o, "poll_interval", dur(r.poll_interval), dur(300));
      put(o, "enabled", r.enabled, true);
      if (r.builds.length)
        o.builds = r.builds.map((b) => {
          const bo: Obj = {};
          const derived = buildRuleName({ kind: b.kind, dockerfile: b.dockerfile, target: b.target ?? undefined });
          if (b.name !== derived) bo.name = b.name;
          bo.kind = b.kind;
          put(bo, "dockerfile", b.dockerfile, "Dockerfile");
          put(bo, "context", b.context, "");
          put(bo, "target", b.target);
          put(bo, "build_args", b.build_args);
          put(bo, "build_secrets", b.build_secrets);
          put(bo, "archs", b.archs, ["amd64"]);
          put(bo, "include_git", b.include_git, false);
          put(bo, "timeout", dur(b.timeout), dur(3000));
          put(bo, "max_size", b.max_size, DEFAULT_MAX_ARTIFACT_MIB);
          if (b.deploy.length)
            bo.deploy = b.deploy.map((d) => {
              const d2: Obj = { branch: d.branch };
              put(d2, "image", d.image);
              if (d.registry && d.registry !== inferRegistry(d.image, canon.registries)) d2.registry = d.registry;
              putApproval(d2, d.approval);
              put(d2, "confirm", d.confirm, "average");
              if (d.environments.length)
                d2.environments = d.environments.map((e) => {
                  const eo: Obj = { name: e.name };
                  put(eo, "soak", dur(e.soak), 0);
                  put(eo, "checks", e.checks);
                  putApproval(eo, e.approval);
                  put(eo, "confirm", e.confirm, "average");
                  return eo;
                });
              if (d.preview) {
                const p = d.preview;
                const po: Obj = {};
                if (!p.enabled) po.enabled = false;
                put(po, "context", p.context);
                put(po, "url", p.url);
                put(po, "labels", p.labels);
                put(po, "port", p.port);
                put(po, "network", p.network);
                put(po, "ttl_hours", p.ttl_hours, DEFAULT_PREVIEW_TTL_HOURS);
                put(po, "max_concurrent", p.max_concurrent, DEFAULT_PREVIEW_MAX_CONCURRENT);
                d2.preview = po;
              }
              d2.targets = d.targets.map((t) => {
                const to: Obj = {};
                const fields = { context: t.context ?? undefined, host: t.host ?? undefined, compose_project: t.compose_project ?? undefined, service: t.service };
                if (t.name !== defaultTargetName(fields)) to.name = t.name;
                put(to, "context", t.context);
                put(to, "host", t.host);
                put(to, "compose_project", t.compose_project);
                to.service = t.service;
                putKindFields(to, t);
                put(to, "health_url", t.health_url);
                put(to, "health_timeout", dur(t.health_timeout), dur(60));
                put(to, "converge_timeout", dur(t.converge_timeout), dur(600));
                // no default to leave out: a target without a window has none, and any number is written (10 included)
                put(to, "monitor", t.monitor);
                put(to, "allow_unsigned", t.allow_unsigned, false);
                put(to, "environment", t.environment);
                return to;
              });
              return d2;
            });
          return bo;
        });
      return o;
    });
  return HEADER + stringify(out, { lineWidth: 0, aliasDuplicateObjects: false, flowCollectionPadding: false });
}
