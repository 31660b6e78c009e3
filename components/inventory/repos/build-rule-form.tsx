"use client";
// Add or edit a build rule: how to build the repository, as a Docker image or as a unikernel for one target.
import { useState } from "react";
import { ARCHITECTURES, UNIKERNEL_TARGETS } from "@/lib/validation/inventory-constants";
import { DEFAULT_MAX_ARTIFACT_MIB } from "@/lib/validation/inventory-constants";
import type { RepoBuildRuleRow } from "@/lib/queries/inventory-repos";
import type { FormAction } from "@/components/ui/forms/result-state";
import { ActionForm, CancelButton, SubmitButton } from "@/components/ui/forms/action-form";
import { CheckboxField, CheckboxGroup, Hidden, RadioGroupField, SelectField, TextAreaField, TextField } from "@/components/ui/forms/fields";
import { durationText, unikernelTargetLabels } from "@/components/inventory/repos/words";

export function BuildRuleForm({ action, repositoryId, rule }: { action: FormAction; repositoryId?: string; rule?: RepoBuildRuleRow }) {
  const [kind, setKind] = useState<"docker" | "unikernel">(rule?.kind ?? "docker");
  const fields = ["name", "kind", "dockerfile", "context", "archs", "build_args", "build_secrets", "include_git", "timeout", ...(kind === "unikernel" ? ["target", "max_size"] : [])];
  return (
    <ActionForm action={action} label={rule ? `Edit build rule ${rule.name}` : "Add build rule"} fields={fields} closeOnSuccess resetOnSuccess={!rule}>
      <Hidden values={{ id: rule?.id, repository_id: rule ? undefined : repositoryId }} />
      <RadioGroupField
        name="kind"
        legend="Builds"
        value={kind}
        onChange={(v) => setKind(v as "docker" | "unikernel")}
        options={[
          { value: "docker", label: "A Docker image", description: "Pushed to a registry and run as a swarm or compose service." },
          { value: "unikernel", label: "A unikernel", description: "Built in Docker for one target (hvt, xen, …) and run on a host." },
        ]}
      />
      <div className="grid gap-4 md:grid-cols-3">
        {kind === "unikernel" ? (
          <SelectField
            name="target"
            label="Unikernel target"
            defaultValue={rule?.unikernelTarget ?? "hvt"}
            options={UNIKERNEL_TARGETS.map((t) => ({ value: t, label: unikernelTargetLabels[t] ?? t }))}
          />
        ) : null}
        <TextField name="dockerfile" label="Dockerfile" defaultValue={rule?.dockerfile ?? "Dockerfile"} mono hint="Path in the repository." />
        <TextField name="context" label="Build context" defaultValue={rule?.contextDir ?? ""} placeholder="(repository root)" mono hint="A directory of the repository; empty = its root." />
        <TextField
          name="name"
          label="Name (optional)"
          defaultValue={rule?.name}
          placeholder={kind === "unikernel" ? "defaults to the target, e.g. hvt" : "defaults to the Dockerfile path"}
          mono
          hint="Unique in this repository."
        />
        <TextField name="timeout" label="Time limit" defaultValue={durationText(rule?.timeoutSeconds ?? 3000)} mono hint='Seconds or a duration such as "50m".' />
        {kind === "unikernel" ? (
          <TextField
            name="max_size"
            label="Largest artifact (MiB)"
            defaultValue={String(rule?.maxArtifactMib ?? DEFAULT_MAX_ARTIFACT_MIB)}
            inputMode="numeric"
            hint="1 to 4096. A build whose unikernel is larger fails."
          />
        ) : null}
      </div>
      <CheckboxGroup
        name="archs"
        legend="Architectures"
        columns="wrap"
        options={ARCHITECTURES.map((a) => ({ value: a, label: <span className="font-mono text-xs">{a}</span> }))}
        defaultValues={rule?.archs ?? ["amd64"]}
        hint="None ticked means amd64. Each architecture is built on a build host that has it."
      />
      <div className="grid gap-4 md:grid-cols-2">
        <TextAreaField
          name="build_args"
          label="Build arguments"
          defaultValue={rule?.buildArgs.join("\n")}
          placeholder={"EXTRA_FLAGS=--tls=true"}
          inputClassName="font-mono"
          hint="One NAME=value per line."
        />
        <TextAreaField
          name="build_secrets"
          label="Build secrets"
          defaultValue={rule?.buildSecrets.join("\n")}
          placeholder="npm_token"
          rows={3}
          inputClassName="font-mono"
          hint="Names of secrets (Settings → Secrets), one per line or separated by commas. Mounted with --secret, never in the image."
        />
      </div>
      <CheckboxField
        name="include_git"
        label="Include the .git directory in the build context"
        defaultChecked={rule?.includeGit ?? false}
        hint="For builds that read the commit or tags (git describe)."
      />
      <div className="flex items-center gap-2 pt-1">
        <SubmitButton pendingText={rule ? "Saving…" : "Adding…"}>{rule ? "Save" : "Add build rule"}</SubmitButton>
        <CancelButton />
      </div>
    </ActionForm>
  );
}
