"use client";
// Settings → Deployments: the confirm level at or above which deployments wait for approval, for admins.
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";
import { SelectField } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";
import { CONFIRM_LEVELS, type ConfirmLevelName } from "@/lib/validation/deployment-states";
import { confirmLabels } from "@/components/inventory/repos/words";

export function ApprovalLevelForm({ action, level }: { action: FormAction; level: ConfirmLevelName }) {
  return (
    <ActionForm action={action} label="Approval level" fields={["level"]} className="max-w-md space-y-4">
      <SelectField
        name="level"
        label="Deployments wait for approval from confirm level"
        defaultValue={level}
        options={CONFIRM_LEVELS.map((l) => ({ value: l, label: `${confirmLabels[l]} and above` }))}
        hint="A rule set to manual approval always waits, whatever its level."
      />
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
