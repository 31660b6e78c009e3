"use client";
// Cancel a deployment that waits for approval or is queued (a running one is never interrupted half-way),
// after a confirmation that says what happens.
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import type { FormAction } from "@/components/ui/forms/result-state";

export function CancelDeploymentButton({ action, deploymentId, targetName, pending }: { action: FormAction; deploymentId: string; targetName: string; /** waits for approval (else queued) */ pending: boolean }) {
  return (
    <ConfirmAction
      action={action}
      values={{ deploymentId }}
      trigger="Cancel deployment"
      triggerVariant="secondary"
      title="Cancel this deployment?"
      confirmLabel="Cancel deployment"
      pendingText="Cancelling…"
      dismissLabel="Keep it"
      showSuccess
    >
      <p>
        {pending ? "It stops waiting for approval" : "It leaves the queue"} and never runs: {targetName} keeps the release it runs now. Deploy the release again
        from the target&apos;s page if it is wanted later.
      </p>
    </ConfirmAction>
  );
}
