"use client";
// The deployment rule form's environments (docs/environments.md): the rule's stages in order, each with its
// soak time, check URLs, approval and confirm level; add, remove and move up or down. Each row posts
// environments[i].* (i its place now) and the marker edits_environments=1, so what is posted replaces the
// rule's stages, an empty list included (lib/services/inventory/deploy-rule-form.ts).
import { useEffect, useId, useRef } from "react";
import { CONFIRM_LEVELS } from "@/lib/validation/deployment-states";
import type { RepoEnvironmentRow } from "@/lib/queries/inventory-repos";
import { useActionForm, fieldId } from "@/components/ui/forms/action-form";
import { Hidden, SelectField, TextAreaField, TextField } from "@/components/ui/forms/fields";
import { confirmLabels, durationText } from "@/components/inventory/repos/words";
import { ManualApprovalFields } from "@/components/inventory/repos/approval-fields";

/** The fields of row i (for ActionForm's `fields`). */
export function stageFields(i: number, manual: boolean): string[] {
  const p = `environments[${i}]`;
  return [`${p}.name`, `${p}.soak`, `${p}.checks`, `${p}.approval_mode`, ...(manual ? [`${p}.min_approvers`, `${p}.approver_role`, `${p}.approval_expiry`] : []), `${p}.confirm`];
}

/** Error paths of row i (slipway.yml's nesting: environments[1].approval.mode) that belong to its flat fields. */
export function stageErrorPaths(i: number): Record<string, readonly string[]> {
  const p = `environments[${i}]`;
  return {
    [`${p}.approval_mode`]: [`${p}.approval.mode`],
    [`${p}.min_approvers`]: [`${p}.approval.min_approvers`],
    [`${p}.approver_role`]: [`${p}.approval.approver_role`],
    [`${p}.approval_expiry`]: [`${p}.approval.expires_after`],
  };
}

export interface StageRow {
  /** stable across moves, so a row keeps what was typed in it */
  key: string;
  /** the stage as the rule has it; null: added in this form */
  initial: RepoEnvironmentRow | null;
  /** what the name field holds now (for the buttons' names) */
  name: string;
  manual: boolean;
}

export function initialStageRows(envs: readonly RepoEnvironmentRow[]): StageRow[] {
  return envs.map((e, i) => ({ key: `s${i}`, initial: e, name: e.name, manual: e.approvalMode === "manual" }));
}

/**
 * The stage list; `rows` is owned by the form (its `fields` depend on them). Moving a row keeps the focus on the
 * button pressed (or its twin when the row reached an end).
 */
export function StageEditor({ rows, setRows }: { rows: StageRow[]; setRows: (update: (rows: StageRow[]) => StageRow[]) => void }) {
  const form = useActionForm();
  const uid = useId().replace(/:/g, "");
  const next = useRef(rows.length);
  // where the focus goes once the rows have re-rendered (set by the buttons, taken by the effect)
  const focusNext = useRef<{ key: string; what: "up" | "down" | "name" | "add" } | null>(null);

  useEffect(() => {
    const focus = focusNext.current;
    if (!focus) return;
    focusNext.current = null;
    // a row's name field has the id of its place (environments[i].name), which a move or removal changes
    const at = rows.findIndex((r) => r.key === focus.key);
    const id =
      focus.what === "add" ? `${uid}-add` : focus.what === "name" ? fieldId(form.idPrefix, `environments[${at}].name`) : `${uid}-${focus.key}-${focus.what}`;
    const el = document.getElementById(id) as HTMLButtonElement | HTMLInputElement | null;
    if (el && !(el instanceof HTMLButtonElement && el.disabled)) el.focus();
    else if (focus.what === "up" || focus.what === "down") document.getElementById(`${uid}-${focus.key}-${focus.what === "up" ? "down" : "up"}`)?.focus();
  }, [rows, uid, form.idPrefix]);

  const move = (key: string, by: -1 | 1) => {
    const i = rows.findIndex((r) => r.key === key);
    const j = i + by;
    if (i < 0 || j < 0 || j >= rows.length) return;
    focusNext.current = { key, what: by < 0 ? "up" : "down" };
    setRows((rs) => {
      const out = [...rs];
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    });
  };
  const remove = (key: string) => {
    const i = rows.findIndex((r) => r.key === key);
    const after = rows[i + 1] ?? rows[i - 1];
    // then the next row's name, or Add stage when none is left
    focusNext.current = after ? { key: after.key, what: "name" } : { key: "", what: "add" };
    setRows((rs) => rs.filter((r) => r.key !== key));
  };
  const add = () => {
    const key = `n${next.current++}`;
    focusNext.current = { key, what: "name" };
    setRows((rs) => [...rs, { key, initial: null, name: "", manual: false }]);
  };

  const listError = form.state && !form.state.ok ? form.state.fieldErrors?.environments : undefined;
  const label = (r: StageRow, i: number) => (r.name.trim() ? r.name.trim() : `stage ${i + 1}`);

  return (
    <fieldset id={fieldId(form.idPrefix, "environments")} tabIndex={-1} className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800" aria-describedby={`${uid}-hint`}>
      <legend className="px-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">Environments</legend>
      <Hidden values={{ edits_environments: "1" }} />
      <p id={`${uid}-hint`} className="text-xs text-zinc-500 dark:text-zinc-400">
        {rows.length
          ? "In stage order: a release enters the first from the branch and reaches each later one only when promoted. Targets name their stage (Edit target)."
          : "None: every target follows the branch. Add stages (staging, then production) to promote releases from one to the next."}
      </p>
      {listError ? (
        <p role="alert" className="mt-2 text-xs font-medium text-red-700 dark:text-red-300">
          {listError}
        </p>
      ) : null}
      {rows.length ? (
        <ol className="mt-3 space-y-3">
          {rows.map((r, i) => {
            const p = `environments[${i}]`;
            const e = r.initial;
            const name = label(r, i);
            return (
              <li
                key={r.key}
                aria-label={`Stage ${i + 1}: ${name}`}
                className="rounded-md border border-zinc-200 bg-zinc-50/60 p-3 dark:border-zinc-800 dark:bg-zinc-950/30"
                onInput={(ev) => {
                  const t = ev.target as HTMLInputElement;
                  if (t.name === `${p}.name`) setRows((rs) => rs.map((x) => (x.key === r.key ? { ...x, name: t.value } : x)));
                }}
              >
                <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
                  <p className="text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
                    Stage {i + 1}
                    {i === 0 ? " · from the branch" : " · by promotion"}
                  </p>
                  <div className="flex items-center gap-1.5">
                    <button id={`${uid}-${r.key}-up`} type="button" className="btn-secondary px-2 py-1 text-xs" disabled={i === 0} aria-label={`Move ${name} up`} onClick={() => move(r.key, -1)}>
                      <span aria-hidden="true">↑</span> Up
                    </button>
                    <button
                      id={`${uid}-${r.key}-down`}
                      type="button"
                      className="btn-secondary px-2 py-1 text-xs"
                      disabled={i === rows.length - 1}
                      aria-label={`Move ${name} down`}
                      onClick={() => move(r.key, 1)}
                    >
                      <span aria-hidden="true">↓</span> Down
                    </button>
                    <button type="button" className="btn-danger px-2 py-1 text-xs" aria-label={`Remove ${name}`} onClick={() => remove(r.key)}>
                      Remove
                    </button>
                  </div>
                </div>
                <Hidden values={{ [`${p}.was`]: e?.name ?? "" }} />
                <div className="grid gap-4 md:grid-cols-4">
                  <TextField name={`${p}.name`} label="Name" defaultValue={e?.name} placeholder={i === 0 ? "staging" : "production"} mono required hint="Unique in this rule." />
                  <TextField name={`${p}.soak`} label="Soak time" defaultValue={e ? durationText(e.soakSeconds) : ""} placeholder="0s" mono hint='Before promoting on, e.g. "30m".' />
                  <SelectField
                    name={`${p}.approval_mode`}
                    label="Deploys into it"
                    value={r.manual ? "manual" : "automatic"}
                    onChange={(v) => setRows((rs) => rs.map((x) => (x.key === r.key ? { ...x, manual: v === "manual" } : x)))}
                    options={[
                      { value: "automatic", label: "Automatically" },
                      { value: "manual", label: "After approval" },
                    ]}
                  />
                  <SelectField
                    name={`${p}.confirm`}
                    label="Confirmation level"
                    defaultValue={e?.confirmLevel ?? "average"}
                    options={CONFIRM_LEVELS.map((c) => ({ value: c, label: confirmLabels[c] }))}
                  />
                  {r.manual ? (
                    <ManualApprovalFields prefix={`${p}.`} minApprovers={e?.minApprovers} approverRole={e?.approverRole} expirySeconds={e?.approvalExpirySeconds} expiryClassName="md:col-span-2" />
                  ) : null}
                  <TextAreaField
                    name={`${p}.checks`}
                    label="Check URLs"
                    defaultValue={e?.checkUrls.join("\n")}
                    rows={2}
                    placeholder="https://staging.example.org/healthz"
                    inputClassName="font-mono text-xs"
                    className="md:col-span-4"
                    hint="One per line; each must answer 2xx when a release is promoted from this stage."
                  />
                </div>
              </li>
            );
          })}
        </ol>
      ) : null}
      <button id={`${uid}-add`} type="button" className="btn-secondary mt-3 py-1" onClick={add}>
        <span aria-hidden="true">+</span> Add stage
      </button>
    </fieldset>
  );
}
