"use client";
// Add or edit a host: name, address, SSH port and user. Host keys are accepted separately (scan or paste).
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden, TextField } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";

export interface HostFormValues {
  id: string;
  name: string;
  address: string;
  port: number;
  user: string;
}

export function HostForm({ action, host, onCancelHint }: { action: FormAction; host?: HostFormValues; onCancelHint?: string }) {
  return (
    <ActionForm action={action} label={host ? `Edit host ${host.name}` : "Add host"}>
      <Hidden values={{ id: host?.id }} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" label="Name" defaultValue={host?.name} placeholder="toxis" hint="How slipway.yml and the console refer to it: letters, digits, '.', '_', '-'." />
        <TextField name="address" label="Address" defaultValue={host?.address} placeholder="toxis.example.org" mono hint="A host name or an IP address." />
        <TextField name="port" label="SSH port" defaultValue={host?.port ?? 22} inputMode="numeric" mono inputClassName="max-w-32" />
        <TextField name="user" label="SSH user" defaultValue={host?.user ?? "root"} mono hint="Slipway logs in as this user with its deployer key." />
      </div>
      <div className="flex items-center gap-3">
        <SubmitButton pendingText="Saving…">Save</SubmitButton>
        {onCancelHint ? <p className="text-xs text-zinc-500 dark:text-zinc-400">{onCancelHint}</p> : null}
      </div>
    </ActionForm>
  );
}
