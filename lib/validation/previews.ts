// Previews of pull requests (docs/previews.md): the settings a deployment rule carries for them (slipway.yml's
// `preview:`, the console's form, the API), and the names, tags, addresses and labels made from them. Shared by
// the inventory, the build engine, the preview engine and the pages; nothing here touches the database.
import { z } from "zod";
import { httpUrl, int, list, optional, resourceName } from "@/lib/validation/inventory-fields";
import { rowId } from "@/lib/validation/ids";
import { DEFAULT_PREVIEW_MAX_CONCURRENT, DEFAULT_PREVIEW_TTL_HOURS } from "@/lib/validation/preview-defaults";

export { PREVIEW_ACTIVE_STATES, PREVIEW_STATES, PREVIEW_TEARABLE_STATES, previewStateLabels, type PreviewStateName } from "@/lib/validation/preview-states";

export { DEFAULT_PREVIEW_MAX_CONCURRENT, DEFAULT_PREVIEW_TTL_HOURS };

/** What a label or the URL may name; each is filled in per pull request. */
export const PREVIEW_PLACEHOLDERS = ["number", "service", "host", "port", "url"] as const;

function placeholderProblem(s: string): string | null {
  for (const m of s.matchAll(/\{([^{}]*)\}/g)) {
    if (!(PREVIEW_PLACEHOLDERS as readonly string[]).includes(m[1]!)) return `names {${m[1]}}; the placeholders are ${PREVIEW_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`;
  }
  return null;
}

/** A swarm service label, KEY=VALUE, as Traefik's are written: traefik.http.routers.{service}.rule=Host(`{host}`). */
export const previewLabel = z
  .string()
  .trim()
  .max(1000, "has at most 1000 characters")
  .superRefine((s, ctx) => {
    const eq = s.indexOf("=");
    if (eq <= 0) return void ctx.addIssue({ code: "custom", message: "must be KEY=VALUE, e.g. traefik.enable=true" });
    if (!/^[A-Za-z0-9{}][A-Za-z0-9._/{}-]*$/.test(s.slice(0, eq))) ctx.addIssue({ code: "custom", message: `the key ${JSON.stringify(s.slice(0, eq).slice(0, 80))} may hold letters, digits, '.', '_', '/' and '-' (and placeholders)` });
    if (/[\r\n\0]/.test(s)) ctx.addIssue({ code: "custom", message: "must be on one line" });
    if (s.slice(0, eq).startsWith("slipway.")) ctx.addIssue({ code: "custom", message: "slipway.* labels are Slipway's own (slipway.preview): choose another key" });
    const p = placeholderProblem(s);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

/** The preview's address: an http(s) URL with {number}, so that every pull request gets its own. */
export const previewUrlPattern = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    if (!s.includes("{number}")) ctx.addIssue({ code: "custom", message: "must contain {number} so that each pull request gets its own address, e.g. https://pr-{number}.preview.example.com" });
    const p = placeholderProblem(s.replaceAll("{number}", ""));
    if (p) return void ctx.addIssue({ code: "custom", message: "may name only {number}" });
    const r = httpUrl.safeParse(s.replaceAll("{number}", "1"));
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: "custom", message: i.message });
  });

/** slipway.yml's `preview:` on a deployment rule (and the console's form, which posts the same names). */
export const previewSettingsShape = z.strictObject({
  enabled: z.preprocess((v) => (v === undefined || v === null || v === "" ? true : v), z.boolean({ error: "must be true or false" })),
  /** the swarm manager the previews run on; by default the context of the rule's first swarm target */
  context: optional(resourceName),
  url: optional(previewUrlPattern),
  labels: list(previewLabel, { commas: false }),
  port: optional(int(1, 65535, "a port number from 1 to 65535")),
  /** an existing overlay network the preview joins (the reverse proxy's) */
  network: optional(resourceName),
  ttl_hours: z.preprocess((v) => (v === undefined || v === null || v === "" ? DEFAULT_PREVIEW_TTL_HOURS : v), int(1, 24 * 90, "a whole number of hours")),
  max_concurrent: z.preprocess((v) => (v === undefined || v === null || v === "" ? DEFAULT_PREVIEW_MAX_CONCURRENT : v), int(1, 100)),
});
export type PreviewSettingsIn = z.output<typeof previewSettingsShape>;

/** A deployment rule's preview settings: absent, or the object above. */
export const previewSettings = z.preprocess((v) => (v === undefined || v === "" ? null : v), previewSettingsShape.nullable());

export interface CanonPreview {
  enabled: boolean;
  context: string | null;
  url: string | null;
  labels: string[];
  port: number | null;
  network: string | null;
  ttl_hours: number;
  max_concurrent: number;
}

/** One shape for the file, the form and the database; null when previews are off and nothing is set. */
export function canonPreview(p: Partial<{ [K in keyof CanonPreview]: CanonPreview[K] | null | undefined }> | null | undefined): CanonPreview | null {
  if (!p) return null;
  const c: CanonPreview = {
    enabled: p.enabled ?? false,
    context: p.context ?? null,
    url: p.url ?? null,
    labels: p.labels ?? [],
    port: p.port ?? null,
    network: p.network ?? null,
    ttl_hours: p.ttl_hours ?? DEFAULT_PREVIEW_TTL_HOURS,
    max_concurrent: p.max_concurrent ?? DEFAULT_PREVIEW_MAX_CONCURRENT,
  };
  const unset = !c.enabled && !c.context && !c.url && c.labels.length === 0 && c.port === null && !c.network && c.ttl_hours === DEFAULT_PREVIEW_TTL_HOURS && c.max_concurrent === DEFAULT_PREVIEW_MAX_CONCURRENT;
  return unset ? null : c;
}

/** The image tag of a pull request's commit: pr-<n>-<sha7>. */
export function previewTag(prNumber: number, sha: string): string {
  return `pr-${prNumber}-${sha.slice(0, 7)}`;
}

/** The preview's swarm service: <service>-pr-<n> (service names have at most 63 characters). */
export function previewServiceName(base: string, prNumber: number): string {
  const suffix = `-pr-${prNumber}`;
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}

/** The preview's address for pull request `prNumber`, or null without a pattern. */
export function previewUrlFor(pattern: string | null, prNumber: number): string | null {
  return pattern ? pattern.replaceAll("{number}", String(prNumber)) : null;
}

/**
 * The service's labels: the rule's, with {number}, {service}, {host}, {port} and {url} filled in, and Slipway's
 * own (slipway.preview=<rule id>, slipway.preview.pr=<n>) that say whose preview the service is.
 */
export function previewLabelsFor(labels: readonly string[], v: { ruleId: string; prNumber: number; service: string; url: string | null; port: number | null }): Record<string, string> {
  const host = v.url ? new URL(v.url).host : "";
  const fill = (s: string) =>
    s.replace(/\{(number|service|host|port|url)\}/g, (_m, k: string) => ({ number: String(v.prNumber), service: v.service, host, port: v.port === null ? "" : String(v.port), url: v.url ?? "" })[k] ?? "");
  const out: Record<string, string> = {};
  for (const l of labels) {
    const eq = l.indexOf("=");
    if (eq > 0) out[fill(l.slice(0, eq))] = fill(l.slice(eq + 1));
  }
  out["slipway.preview"] = v.ruleId;
  out["slipway.preview.pr"] = String(v.prNumber);
  return out;
}

/** A preview named by its id (Tear down, Approve; the API's teardown and approve). */
export const previewIdInput = z.object({ id: rowId });
