"use client";
// Add or edit a docker context: its endpoint (a local socket, or ssh:// through a registered host), what
// Slipway uses it for, the architectures it builds and how many builds it takes at once.
import { useId } from "react";
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { CheckboxGroup, Hidden, SelectField, TextField } from "@/components/ui/forms/fields";
import { contextRoleOptions } from "@/components/inventory/hosts/context-labels";
import { ARCHITECTURES } from "@/lib/validation/inventory-constants";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { ContextRoleName } from "@/lib/queries/inventory-hosts";

export interface ContextFormValues {
  id: string;
  name: string;
  endpoint: string;
  role: ContextRoleName;
  archs: string[];
  maxConcurrentBuilds: number;
}

export function ContextForm({
  action,
  context,
  endpoints,
  resetOnSuccess = false,
}: {
  action: FormAction;
  context?: ContextFormValues;
  /** ssh:// endpoints of the registered hosts, suggested in the endpoint field */
  endpoints: { name: string; endpoint: string }[];
  resetOnSuccess?: boolean;
}) {
  const listId = `${useId().replace(/:/g, "")}-endpoints`;
  return (
    <ActionForm action={action} resetOnSuccess={resetOnSuccess} label={context ? `Edit context ${context.name}` : "Add context"}>
      <Hidden values={{ id: context?.id }} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" label="Name" defaultValue={context?.name} placeholder="toxis" hint="Deployment targets name their context by this." />
        <TextField
          name="endpoint"
          label="Endpoint"
          defaultValue={context?.endpoint}
          placeholder="ssh://root@toxis.example.org"
          mono
          list={listId}
          hint={
            <>
              <code className="font-mono">unix:///var/run/docker.sock</code> on the worker&apos;s machine, or <code className="font-mono">ssh://user@host[:port]</code>{" "}
              of a registered host (its accepted keys apply).
            </>
          }
        />
        <datalist id={listId}>
          <option value="unix:///var/run/docker.sock">local Docker engine</option>
          {endpoints.map((e) => (
            <option key={e.endpoint} value={e.endpoint}>
              host {e.name}
            </option>
          ))}
        </datalist>
        <SelectField name="role" label="Used for" options={contextRoleOptions} defaultValue={context?.role ?? "swarm_manager"} hint="Builds run on build hosts; services are upgraded through swarm managers." />
        <TextField
          name="max_concurrent_builds"
          label="Builds at once"
          defaultValue={context?.maxConcurrentBuilds ?? 2}
          inputMode="numeric"
          mono
          inputClassName="max-w-32"
          hint="For build hosts: 1 to 64."
        />
      </div>
      <CheckboxGroup
        name="archs"
        legend="Architectures"
        columns={4}
        options={ARCHITECTURES.map((a) => ({ value: a, label: <code className="font-mono text-[0.8125rem]">{a}</code> }))}
        defaultValues={context?.archs ?? ["amd64"]}
        hint="The platforms this engine builds or runs. None ticked means amd64."
      />
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
