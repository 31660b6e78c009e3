"use client";
// Settings → API tokens: the form that creates a token, and the token itself once, with a copy button.
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { CheckboxGroup, SelectField, TextField } from "@/components/ui/forms/fields";
import { CopyableText } from "@/components/ui/forms/copy-button";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, scopeDescriptions, type TokenScope } from "@/lib/validation/api-tokens";

export interface NewTokenView {
  name: string;
  token: string;
  scope: TokenScope;
  expiresAt: string;
}

function NewToken() {
  const { state } = useActionForm();
  const s = state as ResultState<NewTokenView>;
  if (!s?.ok) return null;
  return (
    <section aria-label="The new token" className="rounded-md border border-emerald-300 bg-emerald-50 p-4 dark:border-emerald-800 dark:bg-emerald-950/50">
      <h3 className="text-sm font-semibold text-emerald-950 dark:text-emerald-100">Your new token &ldquo;{s.result.name}&rdquo;</h3>
      <p className="mt-1 mb-3 text-sm text-emerald-900 dark:text-emerald-200">
        Copy it now and keep it somewhere safe (a CI secret): Slipway stores only a hash of it and cannot show it again. It works until{" "}
        {s.result.expiresAt.slice(0, 10)}.
      </p>
      <CopyableText text={s.result.token} label={`Copy token ${s.result.name}`} />
      <p className="mt-3 text-xs text-emerald-900 dark:text-emerald-200">
        Use it as <code className="font-mono">Authorization: Bearer …</code>, e.g. <code className="font-mono">curl -H &quot;Authorization: Bearer $SLIPWAY_TOKEN&quot; {"<slipway>"}/api/v1/me</code>
      </p>
    </section>
  );
}

export function ApiTokenForm({
  action,
  scopes,
  repositories,
}: {
  action: FormAction<ResultState<NewTokenView>>;
  /** the scopes this user may give (never above their role) */
  scopes: readonly TokenScope[];
  repositories: { id: string; name: string }[];
}) {
  return (
    <ActionForm action={action} resetOnSuccess label="New API token" fields={["name", "scope", "expiresInDays", "repositoryIds"]}>
      <NewToken />
      <div className="grid gap-4 sm:grid-cols-3">
        <TextField name="name" label="Name" required placeholder="release-job" hint="What uses it; one name per token." />
        <SelectField
          name="scope"
          label="Scope"
          defaultValue={scopes[0]}
          options={scopes.map((s) => ({ value: s, label: `${s}: ${scopeDescriptions[s]}` }))}
          hint="Never more than your role; if your role is lowered, the token loses what the role lost."
        />
        <TextField
          name="expiresInDays"
          label="Expires in (days)"
          type="number"
          inputMode="numeric"
          defaultValue={TOKEN_DEFAULT_DAYS}
          hint={`1 to ${TOKEN_MAX_DAYS} days.`}
        />
      </div>
      {repositories.length ? (
        <CheckboxGroup
          name="repositoryIds"
          legend="Only these repositories (optional)"
          hint="None ticked: every repository. A limited token reads and changes only what belongs to them, and cannot read the audit log or the inventory."
          options={repositories.map((r) => ({ value: r.id, label: r.name }))}
          columns={3}
        />
      ) : null}
      <SubmitButton pendingText="Creating…">Create token</SubmitButton>
    </ActionForm>
  );
}
