"use client";
// Add or edit a deployment rule: which branch of a build deploys, the image it publishes (docker builds) or
// the registry repository that keeps its artifacts (unikernel builds), how a deploy is approved, its stages
// (environments) and, for docker builds, its previews of pull requests.
import { useState } from "react";
import { CONFIRM_LEVELS } from "@/lib/validation/deployment-states";
import type { InventoryChoices, RepoDeployRuleRow } from "@/lib/queries/inventory-repos";
import type { FormAction } from "@/components/ui/forms/result-state";
import { ManualApprovalFields } from "@/components/inventory/repos/approval-fields";
import { ActionForm, CancelButton, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden, SelectField, TextField } from "@/components/ui/forms/fields";
import { confirmLabels } from "@/components/inventory/repos/words";
import { initialStageRows, StageEditor, stageErrorPaths, stageFields, type StageRow } from "@/components/inventory/repos/stage-editor";
import { PREVIEW_FIELDS, PreviewFields, previewErrorPaths } from "@/components/inventory/repos/preview-fields";

/** Error paths of the service (slipway.yml's nesting) that belong to the form's flat fields. */
const ruleErrorPaths = {
  approval_mode: ["approval.mode", "approval"],
  min_approvers: ["approval.min_approvers"],
  approver_role: ["approval.approver_role"],
  approval_expiry: ["approval.expires_after"],
};

export function DeploymentRuleForm({
  action,
  buildRuleId,
  buildKind,
  rule,
  registries,
  contexts,
}: {
  action: FormAction;
  buildRuleId?: string;
  buildKind: "docker" | "unikernel";
  rule?: RepoDeployRuleRow;
  registries: { name: string; url: string }[];
  /** the docker contexts previews may run on (docker builds) */
  contexts: InventoryChoices["contexts"];
}) {
  const [mode, setMode] = useState<"automatic" | "manual">(rule?.approvalMode ?? "automatic");
  const [stages, setStages] = useState<StageRow[]>(() => initialStageRows(rule?.environments ?? []));
  const docker = buildKind === "docker";
  // unikernel rules have no previews: their form posts none (and no marker), so the rule keeps what it has
  const fields = [
    "branch",
    "image",
    "registry",
    "approval_mode",
    ...(mode === "manual" ? ["min_approvers", "approver_role", "approval_expiry"] : []),
    "confirm",
    ...stages.flatMap((r, i) => stageFields(i, r.manual)),
    "environments",
    ...(docker ? PREVIEW_FIELDS : []),
  ];
  const errorPaths: Record<string, readonly string[]> = {
    ...ruleErrorPaths,
    ...(docker ? previewErrorPaths : {}),
    ...Object.fromEntries(stages.flatMap((_, i) => Object.entries(stageErrorPaths(i)))),
  };
  return (
    <ActionForm
      action={action}
      label={rule ? `Edit deployment rule for branch ${rule.branch}` : "Add deployment rule"}
      fields={fields}
      errorPaths={errorPaths}
      closeOnSuccess
      resetOnSuccess={!rule}
    >
      <Hidden values={{ id: rule?.id, build_rule_id: rule ? undefined : buildRuleId }} />
      <div className="grid gap-4 md:grid-cols-3">
        <TextField name="branch" label="Branch" defaultValue={rule?.branch} placeholder="live" mono required hint="Each push to it deploys." />
        <TextField
          name="image"
          label={docker ? "Image to publish" : "Registry repository for the artifacts"}
          defaultValue={rule?.image ?? undefined}
          placeholder={docker ? "ocurrent/base-images:live" : "ocurrentbuilder/staging:live-mirage-hvt"}
          mono
          required
          hint={docker ? "registry/repository:tag" : "registry/repository:tag where each release's unikernel is kept."}
        />
        <SelectField
          name="registry"
          label="Push with the credentials of"
          defaultValue={rule?.registry?.name ?? ""}
          options={[
            { value: "", label: "The registry the image names" },
            ...registries.map((r) => ({ value: r.name, label: `${r.name} (${r.url})` })),
          ]}
          hint={registries.length ? undefined : "No registries yet (Settings → Registries)."}
        />
      </div>
      <fieldset className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
        <legend className="px-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">Approval</legend>
        <div className="grid gap-4 md:grid-cols-4">
          <SelectField
            name="approval_mode"
            label="Deploys"
            value={mode}
            onChange={(v) => setMode(v as "automatic" | "manual")}
            options={[
              { value: "automatic", label: "Automatically" },
              { value: "manual", label: "After approval" },
            ]}
          />
          {mode === "manual" ? (
            <ManualApprovalFields minApprovers={rule?.minApprovers} approverRole={rule?.approverRole} expirySeconds={rule?.approvalExpirySeconds} />
          ) : null}
        </div>
      </fieldset>
      <SelectField
        name="confirm"
        label="Confirmation level"
        className="max-w-xs"
        defaultValue={rule?.confirmLevel ?? "average"}
        options={CONFIRM_LEVELS.map((c) => ({ value: c, label: confirmLabels[c] }))}
        hint="How risky a deploy of this rule is, on OCurrent's scale from harmless to dangerous."
      />
      <StageEditor rows={stages} setRows={setStages} />
      {docker ? <PreviewFields preview={rule?.preview} contexts={contexts} /> : null}
      <div className="flex items-center gap-2 pt-1">
        <SubmitButton pendingText={rule ? "Saving…" : "Adding…"}>{rule ? "Save" : "Add deployment rule"}</SubmitButton>
        <CancelButton />
      </div>
    </ActionForm>
  );
}
