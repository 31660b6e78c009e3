"use client";
// The newest deployment to a target is a rollback that did not succeed: it says so, with the reason, that the pin
// is as it was before the rollback (not pinned, or pinned where it was), and offers "Retry rollback": one click
// that requests the same rollback again (and pins the target there again).
import type { FormAction } from "@/components/ui/forms/result-state";
import { ActionForm, FormSummary, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import { Notice } from "@/components/ui/notice";
import { Mono } from "@/components/ui/table";
import { shortSha } from "@/components/format/ids";
import Link from "next/link";

export function FailedRollback({
  targetId,
  targetName,
  rollback,
  pin,
  busy,
  canOperate,
  action,
}: {
  targetId: string;
  targetName: string;
  rollback: { deploymentId: string; state: "failed" | "rolled_back"; reason: string | null; releaseId: string; sha: string };
  /** the pin now: as it was before the rollback */
  pin: { sha: string; by: string | null } | null;
  /** why nothing can be deployed now (a deployment is running or queued), or null */
  busy: string | null;
  canOperate: boolean;
  action: FormAction;
}) {
  const sha = shortSha(rollback.sha);
  return (
    <Notice tone="error" title={`The rollback to ${sha} ${rollback.state === "rolled_back" ? "was rolled back" : "failed"}`}>
      <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-2" data-testid="failed-rollback">
        <div className="max-w-2xl space-y-1">
          {rollback.reason ? <p className="break-words">{rollback.reason}</p> : null}
          <p>
            {targetName} does not run <Mono small>{sha}</Mono>, so the pin is as it was before the rollback:{" "}
            {pin ? (
              <>
                pinned at <Mono small>{shortSha(pin.sha)}</Mono> by {pin.by ?? "someone"}
              </>
            ) : (
              "not pinned"
            )}
            .{" "}
            <Link href={`/deployments/${rollback.deploymentId}`} className="underline underline-offset-2">
              The rollback&apos;s log
            </Link>{" "}
            says what happened.
          </p>
          {busy ? <p>{busy}</p> : null}
        </div>
        {canOperate && !busy ? (
          <ActionForm action={action} summary={false} className="shrink-0" label={`Retry the rollback of ${targetName} to ${sha}`}>
            <Hidden values={{ targetId, releaseId: rollback.releaseId }} />
            <SubmitButton variant="primary" pendingText="Rolling back…" ariaLabel={`Retry rollback of ${targetName} to ${sha}`}>
              Retry rollback
            </SubmitButton>
            <FormSummary />
          </ActionForm>
        ) : null}
      </div>
    </Notice>
  );
}
