"use client";
// "Test connection": log in with the deployer key, checking the pinned host keys. The answer is a sentence,
// coloured by what happened; a refused login shows the line to install in authorized_keys.
import type { ReactNode } from "react";
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import { CheckResult } from "@/components/ui/forms/check-result";
import { CopyableText } from "@/components/ui/forms/copy-button";
import { hostStatusTone } from "@/components/inventory/hosts/host-tone";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { HostTestResult } from "@/components/inventory/hosts/types";

function Outcome({ user, deployerPublicKey, last }: { user: string; deployerPublicKey: string | null; last?: ReactNode }) {
  const { state } = useActionForm() as { state: ResultState<HostTestResult> };
  if (!state) return last ?? null;
  if (!state.ok) return <CheckResult tone="error" role="alert">{state.error}</CheckResult>;
  const r = state.result;
  return (
    <div className="space-y-2">
      <CheckResult tone={hostStatusTone(r.status)} role={r.status === "connected" ? "status" : "alert"}>
        {r.message}
      </CheckResult>
      {r.status === "auth_refused" && deployerPublicKey ? (
        <div className="space-y-1">
          <p className="text-sm text-zinc-700 dark:text-zinc-300">
            Add this line to <code className="font-mono">~{user}/.ssh/authorized_keys</code> on the host, then test again:
          </p>
          <CopyableText text={deployerPublicKey} label="Copy the deployer public key" />
        </div>
      ) : null}
    </div>
  );
}

export function TestConnection({
  action,
  hostId,
  user,
  deployerPublicKey,
  last,
}: {
  action: FormAction<ResultState<HostTestResult>>;
  hostId: string;
  user: string;
  deployerPublicKey: string | null;
  /** the stored result of the previous test, shown until this one answers */
  last?: ReactNode;
}) {
  return (
    <ActionForm action={action} summary={false} className="space-y-3" label="Test connection">
      <Hidden values={{ host_id: hostId }} />
      <SubmitButton variant="secondary" pendingText="Connecting…">
        Test connection
      </SubmitButton>
      <Outcome user={user} deployerPublicKey={deployerPublicKey} last={last} />
    </ActionForm>
  );
}
