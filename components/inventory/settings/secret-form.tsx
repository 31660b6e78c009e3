"use client";
// Add a secret, or edit one (rename, rescope, set or replace its value). The scope decides which select
// follows: an app for app-scoped secrets, a repository for repository-scoped ones; only that one is posted.
import { useState } from "react";
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden, SecretField, SelectField, TextField } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { SecretRow, SecretScopeName } from "@/lib/queries/inventory-settings";

const scopeOptions: { value: SecretScopeName; label: string }[] = [
  { value: "global", label: "Global: every build" },
  { value: "app", label: "One GitHub app's repositories" },
  { value: "repository", label: "One repository" },
];

export function SecretForm({ action, secret, apps, repositories }: { action: FormAction; secret?: SecretRow; apps: string[]; repositories: string[] }) {
  const [scope, setScope] = useState<SecretScopeName>(secret?.scope ?? "global");
  const appOptions = apps.map((a) => ({ value: a, label: a }));
  const repoOptions = repositories.map((r) => ({ value: r, label: r }));
  return (
    <ActionForm
      action={action}
      resetOnSuccess={!secret}
      onSuccess={() => {
        if (!secret) setScope("global");
      }}
      label={secret ? `Edit secret ${secret.name}` : "Add secret"}
    >
      <Hidden values={{ id: secret?.id }} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" label="Name" defaultValue={secret?.name} placeholder="NPM_TOKEN" mono hint="Build rules list it under build_secrets; the build reads it with RUN --mount=type=secret,id=NAME." />
        <SelectField name="scope" label="Scope" options={scopeOptions} value={scope} onChange={(v) => setScope(v as SecretScopeName)} hint="A repository's secret overrides an app's, which overrides a global one of the same name." />
        {scope === "app" ? (
          appOptions.length ? (
            <SelectField name="app" label="GitHub app" options={appOptions} defaultValue={secret?.app ?? undefined} />
          ) : (
            <p className="self-center text-sm text-amber-800 dark:text-amber-300">No GitHub app is registered yet: add one under Settings → GitHub apps.</p>
          )
        ) : null}
        {scope === "repository" ? (
          repoOptions.length ? (
            <SelectField name="repo" label="Repository" options={repoOptions} defaultValue={secret?.repository ?? undefined} />
          ) : (
            <p className="self-center text-sm text-amber-800 dark:text-amber-300">No repository is registered yet.</p>
          )
        ) : null}
        <SecretField name="value" label="Value" isSet={secret?.valueSet} multiline className="sm:col-span-2" hint={secret ? undefined : "Leave it blank to declare the secret now and set its value later."} />
      </div>
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
