"use client";
// "Check host" on a unikernel target's page (operators), before its first deploy: logs in to the host and
// answers, item by item with ✓ or ✗, whether Slipway can log in, write the service's directory, find the
// restart program and (systemd) the unit; each failure says what to do.
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import { CheckResult } from "@/components/ui/forms/check-result";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { TargetCheckItemView, TargetCheckView } from "@/components/targets/types";

const marks: Record<TargetCheckItemView["outcome"], { sign: string; words: string; className: string }> = {
  ok: { sign: "✓", words: "Passed", className: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" },
  failed: { sign: "✗", words: "Failed", className: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300" },
  skipped: { sign: "–", words: "Not checked", className: "bg-zinc-100 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-400" },
};

function Items({ items }: { items: TargetCheckItemView[] }) {
  return (
    <ul aria-label="Host check" className="divide-y divide-zinc-100 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
      {items.map((i) => {
        const m = marks[i.outcome];
        return (
          <li key={i.name} data-outcome={i.outcome} className="flex items-start gap-3 px-3 py-2.5">
            <span aria-hidden="true" className={`mt-0.5 inline-flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-bold ${m.className}`}>
              {m.sign}
            </span>
            <div className="min-w-0 text-sm">
              <p className="font-medium text-zinc-900 dark:text-zinc-100">
                <span className="sr-only">{m.words}: </span>
                {i.label}
              </p>
              <p className={`mt-0.5 break-words ${i.outcome === "failed" ? "text-red-800 dark:text-red-300" : "text-zinc-600 dark:text-zinc-400"}`}>{i.detail}</p>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function Outcome() {
  const { state } = useActionForm() as { state: ResultState<TargetCheckView> };
  if (!state) return null;
  if (!state.ok) return <CheckResult tone="error" role="alert">{state.error}</CheckResult>;
  return (
    <div className="space-y-3">
      <CheckResult tone={state.result.ok ? "ok" : "error"} role={state.result.ok ? "status" : "alert"}>
        {state.message}
      </CheckResult>
      <Items items={state.result.items} />
    </div>
  );
}

export function HostCheck({ action, targetId }: { action: FormAction<ResultState<TargetCheckView>>; targetId: string }) {
  return (
    <ActionForm action={action} summary={false} className="space-y-3" label="Check host">
      <Hidden values={{ target_id: targetId }} />
      <SubmitButton variant="secondary" pendingText="Checking…">
        Check host
      </SubmitButton>
      <Outcome />
    </ActionForm>
  );
}
