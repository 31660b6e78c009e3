"use client";
// "Roll back to this" on a release in a target's history: a confirmation that says what happens (the
// release is deployed as it was built, and the target is pinned there), then the rollback. Disabled, with
// the reason next to it, while a deployment is changing the target.
import { useId } from "react";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import type { FormAction } from "@/components/ui/forms/result-state";
import { shortSha } from "@/components/format/ids";

export function RollbackButton({
  action,
  targetId,
  targetName,
  releaseId,
  sha,
  busy,
  waiting,
}: {
  action: FormAction;
  targetId: string;
  targetName: string;
  releaseId: string;
  sha: string;
  /** why it cannot run now (a deployment is running), or null */
  busy: string | null;
  /** a deployment that waits (for approval or in the queue) and would be superseded, in words, or null */
  waiting: string | null;
}) {
  const reasonId = useId();
  const short = shortSha(sha);
  if (busy) {
    return (
      <span className="inline-flex flex-col items-end gap-1">
        <button type="button" className="btn-secondary py-1" disabled aria-describedby={reasonId} aria-label={`Roll back ${targetName} to ${short}`}>
          Roll back to this
        </button>
        <span id={reasonId} className="max-w-48 text-right text-xs text-zinc-500 dark:text-zinc-400">
          {busy}
        </span>
      </span>
    );
  }
  return (
    <ConfirmAction
      action={action}
      values={{ targetId, releaseId }}
      trigger="Roll back to this"
      triggerAriaLabel={`Roll back ${targetName} to ${short}`}
      triggerVariant="secondary"
      triggerClassName="py-1"
      title={`Roll back ${targetName} to ${short}?`}
      confirmLabel={`Roll back to ${short}`}
      pendingText="Rolling back…"
      confirmVariant="danger"
      className="inline-block"
    >
      <p>
        This deploys <strong className="font-mono font-medium">{short}</strong> to <strong className="font-medium">{targetName}</strong> without rebuilding and pins
        the target there; new releases will build but not deploy until someone unpins it.
      </p>
      {waiting ? <p>{waiting}</p> : null}
      <p>The rollback and the pin are recorded in the audit log.</p>
    </ConfirmAction>
  );
}
