"use client";
// Accept host keys from pasted known_hosts lines: `ssh-keyscan -H host` output (hashed |1|… names
// accepted) or lines from a trusted ~/.ssh/known_hosts. Lines for another host are refused. The pasted keys
// replace the ones accepted before, unless the admin explicitly keeps those too.
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { CheckboxField, Hidden, TextAreaField } from "@/components/ui/forms/fields";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { PinResult } from "@/components/inventory/hosts/types";

export function KnownHostsForm({ hostId, address, port, action }: { hostId: string; address: string; port: number; action: FormAction<ResultState<PinResult>> }) {
  const scanCommand = port === 22 ? `ssh-keyscan -H ${address}` : `ssh-keyscan -H -p ${port} ${address}`;
  return (
    <ActionForm action={action} resetOnSuccess label="Paste known_hosts lines" className="space-y-3">
      <Hidden values={{ host_id: hostId }} />
      <TextAreaField
        name="known_hosts"
        label="Paste known_hosts lines"
        rows={4}
        mono
        placeholder={`|1|Xg9…=|B2a…= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA…\n${address} ecdsa-sha2-nistp256 AAAAE2VjZHNh…`}
        hint={
          <>
            From a machine you trust, e.g. the output of <code className="font-mono">{scanCommand}</code>, or the host&apos;s lines from your{" "}
            <code className="font-mono">~/.ssh/known_hosts</code>. Every line must be for {address}
            {port === 22 ? "" : ` port ${port}`}. The pasted keys replace the keys accepted before.
          </>
        }
      />
      <CheckboxField name="keep_existing" label="Keep the keys accepted before as well" hint="Only while a host changes keys on purpose." />
      <SubmitButton variant="secondary" pendingText="Accepting…">
        Accept pasted keys
      </SubmitButton>
    </ActionForm>
  );
}
