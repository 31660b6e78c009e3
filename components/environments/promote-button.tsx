"use client";
// "Promote to production" under a stage's release: a confirmation that says what happens (the same release,
// not rebuilt, to every target of the next stage, maybe waiting for approval), then the promotion. When the
// release cannot move on yet (or is already on its way), the button is disabled and the reasons are listed under
// it, in words.
import { useId } from "react";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import type { FormAction } from "@/components/ui/forms/result-state";
import { shortSha } from "@/components/format/ids";

export function PromoteButton({
  action,
  releaseId,
  sha,
  from,
  to,
  targets,
  blockers,
  needsApproval,
  checkUrls,
}: {
  action: FormAction;
  releaseId: string;
  sha: string;
  from: string;
  to: string;
  /** the next stage's targets, by name */
  targets: string[];
  /** why it cannot be promoted yet; empty: it can */
  blockers: string[];
  needsApproval: boolean;
  /** the stage's check URLs, asked when the promotion is confirmed */
  checkUrls: string[];
}) {
  const reasonsId = useId();
  const short = shortSha(sha);
  const blocked = blockers.length > 0;
  // one ConfirmAction whether or not it can run now: the sentence a promotion answered stays on screen when the
  // refreshed page says the release is on its way
  const button = (
    <ConfirmAction
      action={action}
      values={{ releaseId, environment: to }}
      trigger={`Promote to ${to}`}
      triggerAriaLabel={`Promote ${short} from ${from} to ${to}`}
      triggerVariant={blocked ? "secondary" : "primary"}
      triggerDisabled={blocked}
      triggerDescribedBy={blocked ? reasonsId : undefined}
      triggerClassName="w-full py-1"
      title={`Promote ${short} to ${to}?`}
      confirmLabel={`Promote to ${to}`}
      pendingText="Promoting…"
      confirmVariant="primary"
      showSuccess
      className="block"
    >
      <p>
        This deploys <strong className="font-mono font-medium">{short}</strong>, the same image digest that runs on {from}, without rebuilding, to{" "}
        <strong className="font-medium">{targets.join(", ")}</strong>.
      </p>
      {checkUrls.length ? <p>First, {from}&apos;s check URLs must answer 2xx: {checkUrls.join(", ")}.</p> : null}
      {needsApproval ? <p>The deployments to {to} wait for approval by someone else.</p> : null}
      <p>The promotion is recorded in the audit log.</p>
    </ConfirmAction>
  );
  return (
    <div className="space-y-2">
      {button}
      {blocked ? (
        <div id={reasonsId} className="text-xs text-zinc-600 dark:text-zinc-400">
          <p className="font-medium text-zinc-700 dark:text-zinc-300">Not promotable yet:</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-4" data-testid="promotion-blockers">
            {blockers.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
