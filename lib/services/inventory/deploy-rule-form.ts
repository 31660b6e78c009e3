// The console's deployment rule form posts flat fields; slipway.yml (and so the schema) nests them. These map
// the form's stages (environments[i].name, environments[i].approval_mode, …) and preview fields (preview_url, …)
// to `environments: [...]` and `preview: {...}`, as approvalFromForm does for the rule's own approval.
//
// The form says which parts it edits with a marker: `edits_environments=1` and `edits_preview=1`. With the
// marker, what it posts replaces the rule's (no stage rows = no stages; previews unticked = off). Without it,
// and without `environments` / `preview` themselves (an API client, an older form), the rule keeps its own.

/** Form field → key of a stage's `approval` in slipway.yml. */
const stageApprovalFields = { approval_mode: "mode", min_approvers: "min_approvers", approver_role: "approver_role", approval_expiry: "expires_after" } as const;

/** The flat preview fields and their keys under `preview`. */
export const previewFormFields = {
  preview_context: "context",
  preview_url: "url",
  preview_labels: "labels",
  preview_port: "port",
  preview_network: "network",
  preview_ttl_hours: "ttl_hours",
  preview_max_concurrent: "max_concurrent",
} as const;

const STAGE_FIELD = /^environments\[(\d+)\]\.([a-z_]+)$/;

function isMarked(v: unknown): boolean {
  return v === "1" || v === "on" || v === "true" || v === true;
}

export interface FormStages {
  raw: Record<string, unknown>;
  /** per posted stage (by index), the name it had when the form was opened ("" for a stage added there) */
  was: string[] | null;
}

/**
 * The form's stage rows as slipway.yml's `environments` list, in the posted order (the rows' indexes). Each row
 * also posts `environments[i].was`, the stage's name when the form was opened, so that a rename can be told from
 * a removal; it is taken out here.
 */
export function environmentsFromForm(input: Record<string, unknown>): FormStages {
  const { edits_environments: marker, ...raw } = input;
  const rows = new Map<number, Record<string, unknown>>();
  for (const [k, v] of Object.entries(raw)) {
    const m = STAGE_FIELD.exec(k);
    if (!m) continue;
    delete raw[k];
    const i = Number(m[1]);
    const row = rows.get(i) ?? {};
    row[m[2]!] = v;
    rows.set(i, row);
  }
  if (!isMarked(marker) || raw.environments !== undefined) {
    // not the form's stage editor: any row fields go back, for the schema to name them
    if (rows.size) for (const [i, row] of rows) for (const [f, v] of Object.entries(row)) raw[`environments[${i}].${f}`] = v;
    return { raw, was: null };
  }
  const indexes = [...rows.keys()].sort((a, b) => a - b);
  const was: string[] = [];
  const environments = indexes.map((i) => {
    const { was: before, ...fields } = rows.get(i)!;
    was.push(typeof before === "string" ? before.trim() : "");
    const approval: Record<string, unknown> = {};
    const stage: Record<string, unknown> = {};
    for (const [f, v] of Object.entries(fields)) {
      const key = stageApprovalFields[f as keyof typeof stageApprovalFields];
      if (key) approval[key] = v;
      else stage[f] = v;
    }
    // a stage deploys automatically unless the form says otherwise; the other approval fields show for "manual" only
    if (approval.mode === undefined || approval.mode === "") approval.mode = "automatic";
    return { ...stage, approval };
  });
  return { raw: { ...raw, environments }, was };
}

/** The form's preview fields as slipway.yml's `preview` object (unticked "Run a preview…": enabled false). */
export function previewFromForm(input: Record<string, unknown>): Record<string, unknown> {
  const { edits_preview: marker, ...raw } = input;
  if (!isMarked(marker) || raw.preview !== undefined) return raw;
  const { preview_enabled: enabled, ...rest } = raw;
  const preview: Record<string, unknown> = { enabled: isMarked(enabled) };
  for (const [field, key] of Object.entries(previewFormFields)) {
    if (!(field in rest)) continue;
    preview[key] = rest[field];
    delete rest[field];
  }
  return { ...rest, preview };
}

/** Does the input carry `key` itself or the form's marker for it (the rule's own is then replaced)? */
export function edits(input: unknown, key: "environments" | "preview"): boolean {
  if (!input || typeof input !== "object") return false;
  const o = input as Record<string, unknown>;
  return o[key] !== undefined || isMarked(o[`edits_${key}`]);
}
