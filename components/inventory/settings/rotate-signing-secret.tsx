"use client";
// "Rotate signing secret" on a webhook channel's page: a new secret, shown once; the old one stops signing at once.
import { useState } from "react";
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import { SigningSecretOnce } from "@/components/inventory/settings/signing-secret-once";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";

export function RotateSigningSecret({ action, channelId, channelName }: { action: FormAction<ResultState<{ secret: string }>>; channelId: string; channelName: string }) {
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <div>
      <ActionForm action={action} showSuccess={false} onSuccess={(s) => setSecret(s.result.secret)} label={`Rotate the signing secret of ${channelName}`}>
        <Hidden values={{ channel_id: channelId }} />
        <p className="text-sm text-zinc-600 dark:text-zinc-400">A new secret signs every delivery from now on, retries included; the old one stops at once. Update your endpoint right after.</p>
        <SubmitButton variant="secondary" pendingText="Rotating…">
          Rotate signing secret
        </SubmitButton>
      </ActionForm>
      {secret ? <SigningSecretOnce secret={secret} /> : null}
    </div>
  );
}
