"use client";
// Add or edit a registry: its address, the user to log in as, and the password (write-only).
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden, SecretField, TextField } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { RegistryRow } from "@/lib/queries/inventory-settings";

export function RegistryForm({ action, registry }: { action: FormAction; registry?: RegistryRow }) {
  return (
    <ActionForm action={action} resetOnSuccess={!registry} label={registry ? `Edit registry ${registry.name}` : "Add registry"}>
      <Hidden values={{ id: registry?.id }} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" label="Name" defaultValue={registry?.name} placeholder="docker-hub" hint="Deployment rules name their registry by this." />
        <TextField
          name="url"
          label="Address"
          defaultValue={registry?.url}
          placeholder="ghcr.io"
          mono
          hint={
            <>
              host[:port], e.g. <code className="font-mono">registry-1.docker.io</code> or <code className="font-mono">127.0.0.1:5000</code>.
            </>
          }
        />
        <TextField name="username" label="Username" defaultValue={registry?.username} optional mono autoComplete="off" />
        <SecretField name="password" label="Password or access token" isSet={registry?.passwordSet} />
      </div>
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
