"use client";
// Add or edit a Slack channel: its name, the incoming-webhook URL (write-only), the events it hears about
// and whether it is on.
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { CheckboxGroup, Hidden, SecretField, SelectField, TextField } from "@/components/ui/forms/fields";
import { NOTIFICATION_EVENTS } from "@/lib/validation/notification-events";
import { notificationEventLabels } from "@/components/inventory/settings/event-labels";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { ChannelRow } from "@/lib/queries/inventory-settings";

const enabledOptions = [
  { value: "true", label: "On: send notifications" },
  { value: "false", label: "Off: send nothing" },
];

export function ChannelForm({ action, channel }: { action: FormAction; channel?: ChannelRow }) {
  return (
    <ActionForm action={action} resetOnSuccess={!channel} label={channel ? `Edit channel ${channel.name}` : "Add channel"}>
      <Hidden values={{ id: channel?.id, kind: "slack" }} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" label="Name" defaultValue={channel?.name} placeholder="deploys" hint="A name for this channel in Slipway, e.g. the Slack channel's." />
        <SelectField name="enabled" label="Status" options={enabledOptions} defaultValue={channel ? String(channel.enabled) : "true"} />
        <SecretField
          name="url"
          label="Slack webhook URL"
          isSet={channel?.urlSet}
          requiredWhenNew
          className="sm:col-span-2"
          placeholder={channel?.urlSet ? "•••••••• (unchanged)" : "https://hooks.slack.com/services/…"}
          hint="From an incoming webhook of a Slack app; it can post to its channel, so it is kept like a password."
        />
      </div>
      <CheckboxGroup
        name="events"
        legend="Events"
        options={NOTIFICATION_EVENTS.map((e) => ({ value: e, label: notificationEventLabels[e] }))}
        defaultValues={channel?.events ?? ["deployment.failed", "deployment.pending_approval", "deployment.succeeded"]}
        hint="Pick at least one."
      />
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
