"use client";
// Add or edit a notification channel: its name, kind (Slack or a signed webhook), the URL (write-only), the
// events it hears, the apps and repositories it hears them for (none picked = all) and whether it is on.
// A new webhook channel's signing secret is shown here once (SigningSecretOnce).
import { useState } from "react";
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { CheckboxGroup, Hidden, SecretField, SelectField, TextAreaField, TextField } from "@/components/ui/forms/fields";
import { NOTIFICATION_EVENTS } from "@/lib/validation/notification-events";
import { notificationEventLabels } from "@/components/inventory/settings/event-labels";
import { SigningSecretOnce } from "@/components/inventory/settings/signing-secret-once";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { ChannelRow } from "@/lib/queries/inventory-settings";

export type ChannelSaveState = ResultState<{ signingSecret: string | null }>;

const enabledOptions = [
  { value: "true", label: "On: send notifications" },
  { value: "false", label: "Off: send nothing" },
];

const kindOptions = [
  { value: "slack", label: "Slack incoming webhook" },
  { value: "webhook", label: "Webhook: a signed HTTPS POST to any endpoint" },
];

export function ChannelForm({ action, channel, apps = [] }: { action: FormAction<ChannelSaveState>; channel?: ChannelRow; apps?: string[] }) {
  const [secret, setSecret] = useState<string | null>(null);
  const appOptions = [...new Set([...apps, ...(channel?.apps ?? [])])].sort().map((a) => ({ value: a, label: a }));
  return (
    <>
      <ActionForm
        action={action}
        resetOnSuccess={!channel}
        label={channel ? `Edit channel ${channel.name}` : "Add channel"}
        onSuccess={(s) => setSecret(s.result.signingSecret)}
      >
        <Hidden values={{ id: channel?.id }} />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField name="name" label="Name" defaultValue={channel?.name} placeholder="deploys" hint="A name for this channel in Slipway, e.g. the Slack channel's." />
          <SelectField name="kind" label="Kind" options={kindOptions} defaultValue={channel?.kind ?? "slack"} />
          <SelectField name="enabled" label="Status" options={enabledOptions} defaultValue={channel ? String(channel.enabled) : "true"} />
          <SecretField
            name="url"
            label="URL"
            isSet={channel?.urlSet}
            requiredWhenNew
            className="sm:col-span-2"
            placeholder={channel?.urlSet ? "•••••••• (unchanged)" : "https://hooks.slack.com/services/… or https://ci.example.org/slipway-events"}
            hint="Slack: the incoming-webhook URL. Webhook: your endpoint's https:// URL; Slipway signs every POST with a secret it makes and shows once."
          />
        </div>
        <CheckboxGroup
          name="events"
          legend="Events"
          options={NOTIFICATION_EVENTS.map((e) => ({ value: e, label: notificationEventLabels[e] }))}
          defaultValues={channel?.events ?? ["deployment.failed", "deployment.pending_approval", "deployment.succeeded"]}
          hint="Pick at least one."
        />
        {appOptions.length ? (
          <CheckboxGroup name="apps" legend="Apps" options={appOptions} defaultValues={channel?.apps ?? []} columns="wrap" hint="Only events of these apps; none picked: every app." />
        ) : null}
        <TextAreaField
          name="repositories"
          label="Repositories"
          optional
          mono
          defaultValue={channel?.repositories.join("\n")}
          placeholder={"ocurrent/ocurrent-deployer\nmirage/mirage-www"}
          hint="One per line: only events of these repositories. Empty: every repository. Host key changes reach the channel whatever it lists."
        />
        <SubmitButton pendingText="Saving…">Save</SubmitButton>
      </ActionForm>
      {secret ? <SigningSecretOnce secret={secret} /> : null}
    </>
  );
}
