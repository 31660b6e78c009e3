"use client";
// Add or edit a GitHub App: the names and URLs Slipway needs, the accounts it serves, and its two
// credentials (the private key and the webhook secret), which are write-only.
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden, SecretField, TextAreaField, TextField } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { AppRow } from "@/lib/queries/inventory-settings";

export function AppForm({ action, app }: { action: FormAction; app?: AppRow }) {
  return (
    <ActionForm action={action} resetOnSuccess={!app} label={app ? `Edit GitHub app ${app.name}` : "Add GitHub app"}>
      <Hidden values={{ id: app?.id }} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" label="Name" defaultValue={app?.name} placeholder="tarides" hint="Repositories name their app by this; it is also the last part of the webhook URL." />
        <TextField name="app_id" label="App ID" defaultValue={app?.appId} optional inputMode="numeric" mono placeholder="123456" hint="The number on the app's settings page on GitHub." />
        <TextField name="slug" label="Slug" defaultValue={app?.slug} optional mono placeholder="ocurrent-deployer" hint="The app's URL name: github.com/apps/<slug>." />
        <TextAreaField
          name="accounts"
          label="Accounts"
          defaultValue={app?.accounts.join("\n")}
          optional
          rows={2}
          mono
          hint="Organisations or users whose installations are served, one per line or separated by commas. Empty: every installation."
        />
        <TextField name="api_url" label="API URL" defaultValue={app?.apiUrl} placeholder="https://api.github.com" mono hint="GitHub Enterprise: https://HOST/api/v3. Blank: github.com." />
        <TextField name="web_url" label="Web URL" defaultValue={app?.webUrl} placeholder="https://github.com" mono hint="Blank: github.com." />
        <SecretField
          name="private_key"
          label="Private key (.pem)"
          isSet={app?.privateKeySet}
          multiline
          placeholder={app?.privateKeySet ? "(unchanged)" : "-----BEGIN RSA PRIVATE KEY-----\n…\n-----END RSA PRIVATE KEY-----"}
          hint="Generated under Private keys on the app's settings page."
        />
        <SecretField name="webhook_secret" label="Webhook secret" isSet={app?.webhookSecretSet} hint="The same text as in the app's webhook settings; at least 16 characters." />
      </div>
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
