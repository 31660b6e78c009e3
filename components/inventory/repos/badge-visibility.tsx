"use client";
// The switch an admin uses to show the public README badge of a private GitHub repository (audited).
import type { ActionState } from "@/lib/auth/action";
import type { FormAction } from "@/components/ui/forms/result-state";
import { ActionForm, SubmitButton } from "@/components/ui/forms/action-form";

export function BadgeVisibilityForm({ repositoryId, shown, action }: { repositoryId: string; shown: boolean; action: FormAction<ActionState> }) {
  return (
    <ActionForm action={action} label="Public badge of this private repository" className="mt-3 space-y-2">
      <input type="hidden" name="repository_id" value={repositoryId} />
      <input type="hidden" name="show" value={shown ? "false" : "true"} />
      <SubmitButton variant="secondary" pendingText={shown ? "Hiding…" : "Showing…"}>
        {shown ? "Hide the public badge" : "Show the public badge anyway"}
      </SubmitButton>
    </ActionForm>
  );
}
