"use client";
// Import slipway.yml: paste it or pick the file (read here, into the text box), preview every change, then
// apply exactly the previewed plan. The server refuses to apply when the inventory moved since the preview;
// an import that deletes anything asks first.
import { useId, useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { PlanView } from "@/components/inventory/config/plan-view";
import type { FieldIssue, ImportAnswer, ImportPlanView } from "@/components/inventory/config/types";

const MAX_BYTES = 2 * 1024 * 1024;

type Result =
  | { kind: "plan"; plan: ImportPlanView; text: string }
  | { kind: "invalid"; error: string; issues: FieldIssue[] }
  | { kind: "error"; message: string }
  | { kind: "applied"; plan: ImportPlanView };

async function postImport(text: string, query: string): Promise<ImportAnswer> {
  let res: Response;
  try {
    res = await fetch(`/api/inventory/import?${query}`, { method: "POST", headers: { "Content-Type": "text/yaml" }, body: text, cache: "no-store" });
  } catch {
    return { ok: false, status: 0, error: "The console did not answer; check your connection and try again.", issues: [] };
  }
  const body = (await res.json().catch(() => null)) as { plan?: ImportPlanView; dryRun?: boolean; error?: string; issues?: FieldIssue[] } | null;
  if (res.ok && body?.plan) return { ok: true, dryRun: Boolean(body.dryRun), plan: body.plan };
  return {
    ok: false,
    status: res.status,
    error: body?.error ?? `The server answered ${res.status}; try again.`,
    issues: body?.issues ?? [],
  };
}

function countsText(c: ImportPlanView["counts"]): string {
  const parts = [
    c.create ? `${c.create} to create` : null,
    c.update ? `${c.update} to update` : null,
    c.delete ? `${c.delete} to delete` : null,
  ].filter(Boolean);
  return parts.join(", ");
}

export function ImportPanel() {
  const id = useId();
  const router = useRouter();
  const [text, setText] = useState("");
  const [fileNote, setFileNote] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [pending, startTransition] = useTransition();
  const [action, setAction] = useState<"preview" | "apply" | null>(null);
  const confirm = useRef<HTMLDialogElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  const plan = result?.kind === "plan" ? result : null;
  const stale = plan !== null && plan.text !== text;
  const total = plan ? plan.plan.changes.length : 0;

  function showResult(r: Result) {
    setResult(r);
    // move the reader to the outcome (it is announced too: role=status/alert)
    requestAnimationFrame(() => resultRef.current?.focus());
  }

  function preview() {
    if (!text.trim()) {
      showResult({ kind: "invalid", error: "Paste slipway.yml or choose the file first.", issues: [] });
      return;
    }
    setAction("preview");
    startTransition(async () => {
      const a = await postImport(text, "dry_run=1");
      if (a.ok) showResult({ kind: "plan", plan: a.plan, text });
      else if (a.issues.length) showResult({ kind: "invalid", error: a.error, issues: a.issues });
      else showResult({ kind: "error", message: a.error });
    });
  }

  function apply() {
    if (!plan) return;
    confirm.current?.close();
    setAction("apply");
    startTransition(async () => {
      const a = await postImport(plan.text, `plan=${encodeURIComponent(plan.plan.planId)}&source=console`);
      if (a.ok) {
        showResult({ kind: "applied", plan: a.plan });
        router.refresh();
      }
      else if (a.issues.length) showResult({ kind: "invalid", error: a.error, issues: a.issues });
      else showResult({ kind: "error", message: a.status === 409 ? `${a.error} Press “Preview changes” again.` : a.error });
    });
  }

  async function readFile(file: File | undefined) {
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setFileNote(`${file.name} is larger than 2 MiB; is it the right file?`);
      return;
    }
    try {
      setText(await file.text());
      setFileNote(`Read ${file.name} (${file.size.toLocaleString("en")} bytes). Review it below, then preview.`);
      setResult(null);
    } catch {
      setFileNote(`${file.name} could not be read; choose it again.`);
    }
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <label htmlFor={`${id}-file`} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Choose a file
        </label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".yml,.yaml,text/yaml,application/yaml,text/plain"
          onChange={(e) => {
            void readFile(e.target.files?.[0]);
            e.target.value = "";
          }}
          aria-describedby={`${id}-file-note`}
          className="text-sm text-zinc-700 file:mr-3 file:rounded-md file:border file:border-zinc-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-zinc-800 hover:file:bg-zinc-50 dark:text-zinc-300 dark:file:border-zinc-700 dark:file:bg-zinc-900 dark:file:text-zinc-200 dark:hover:file:bg-zinc-800"
        />
        <p id={`${id}-file-note`} role="status" className="text-xs text-zinc-500 empty:hidden dark:text-zinc-400">
          {fileNote ?? ""}
        </p>
      </div>
      <div>
        <label htmlFor={`${id}-text`} className="mb-1 block text-sm font-medium text-zinc-800 dark:text-zinc-200">
          slipway.yml
        </label>
        <textarea
          id={`${id}-text`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={18}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          placeholder={"version: 1\napps:\n  - name: tarides\nhosts:\n  - name: toxis\n    address: toxis.example.org\n…"}
          aria-describedby={`${id}-text-hint`}
          className="field font-mono text-[0.8125rem] leading-5"
        />
        <p id={`${id}-text-hint`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          The whole inventory: anything in the console but not in the file is removed (a repository, rule or target with history is archived instead). Secrets are listed by name; their values stay as they are.
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className="btn-secondary" onClick={preview} disabled={pending}>
          {pending && action === "preview" ? "Previewing…" : "Preview changes"}
        </button>
        {plan && total > 0 ? (
          <button
            type="button"
            className="btn-primary"
            disabled={pending || stale}
            aria-describedby={stale ? `${id}-stale` : undefined}
            onClick={() => (plan.plan.counts.delete ? confirm.current?.showModal() : apply())}
          >
            {pending && action === "apply" ? "Applying…" : `Apply ${total} ${total === 1 ? "change" : "changes"}`}
          </button>
        ) : null}
        {stale ? (
          <p id={`${id}-stale`} className="text-xs text-amber-800 dark:text-amber-300">
            The text changed since the preview: preview again before applying.
          </p>
        ) : null}
      </div>

      <div ref={resultRef} tabIndex={-1} className="focus:outline-none" aria-live="polite">
        {result?.kind === "invalid" ? (
          <div role="alert" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
            <p className="font-semibold">
              {result.issues.length
                ? `Nothing was changed: the file has ${result.issues.length === 1 ? "one problem" : `${result.issues.length} problems`}.`
                : result.error}
            </p>
            {result.issues.length ? (
              <ul className="mt-2 space-y-1">
                {result.issues.map((i, n) => (
                  <li key={n} className="flex flex-wrap gap-x-2">
                    {i.path ? <code className="font-mono text-xs font-semibold">{i.path}</code> : null}
                    {i.line && !i.path.startsWith("line ") ? (
                      <span className="text-xs text-red-800 dark:text-red-200">
                        line {i.line}, column {i.column}
                      </span>
                    ) : null}
                    <span>{i.message}</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {result?.kind === "error" ? (
          <p role="alert" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
            {result.message}
          </p>
        ) : null}
        {result?.kind === "applied" ? (
          <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100">
            {result.plan.changes.length
              ? `Imported: ${result.plan.counts.create} created, ${result.plan.counts.update} updated, ${result.plan.counts.delete} deleted. Each change is in the audit log.`
              : "Nothing to import: the inventory already matched the file."}
          </p>
        ) : null}
        {plan ? (
          <div className="space-y-4">
            <p role="status" className="text-sm font-medium text-zinc-900 dark:text-zinc-100">
              {total === 0 ? "No changes: the inventory already matches this file." : `Preview: ${total} ${total === 1 ? "change" : "changes"} (${countsText(plan.plan.counts)}). Nothing is written until you apply.`}
            </p>
            {total ? <PlanView plan={plan.plan} /> : null}
          </div>
        ) : null}
      </div>

      <dialog
        ref={confirm}
        aria-labelledby={`${id}-confirm-title`}
        className="m-auto w-full max-w-lg rounded-lg border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        {plan ? (
          <div className="space-y-3 p-5">
            <h2 id={`${id}-confirm-title`} className="text-base font-semibold">
              Delete {plan.plan.counts.delete} {plan.plan.counts.delete === 1 ? "entity" : "entities"}?
            </h2>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">This import deletes what the file no longer lists:</p>
            <ul className="max-h-48 list-disc overflow-y-auto pl-5 text-sm">
              {plan.plan.changes
                .filter((c) => c.action === "delete")
                .map((c) => (
                  <li key={`${c.kind} ${c.key}`}>{c.label}</li>
                ))}
            </ul>
            <div className="flex justify-end gap-2 pt-2">
              <button type="button" className="btn-secondary" onClick={() => confirm.current?.close()} autoFocus>
                Cancel
              </button>
              <button type="button" className="btn bg-red-600 text-white hover:bg-red-700 dark:bg-red-500 dark:text-red-950 dark:hover:bg-red-400" onClick={apply}>
                Apply {total} {total === 1 ? "change" : "changes"}
              </button>
            </div>
          </div>
        ) : null}
      </dialog>
    </div>
  );
}
