"use client";
// A webhook channel's signing secret, the one time it is shown (after creating the channel or rotating it).
import { CopyableText } from "@/components/ui/forms/copy-button";
import { Notice } from "@/components/ui/notice";

export function SigningSecretOnce({ secret }: { secret: string }) {
  return (
    <Notice tone="warning" role="status" title="Signing secret: copy it now, it is not shown again" className="mt-4">
      <p>
        Your endpoint checks the <code>Slipway-Signature</code> header with it (see docs/webhooks.md). Slipway keeps it encrypted and never shows it again; if it is
        lost, rotate it.
      </p>
      <div className="mt-2" data-testid="signing-secret">
        <CopyableText text={secret} label="Copy signing secret" />
      </div>
    </Notice>
  );
}
