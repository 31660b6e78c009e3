"use client";
// The fields of a manual approval policy (approvals needed, approved by, request expiry), shared by the deployment
// rule's own approval and each of its stages (./stage-editor.tsx): `prefix` names them ("" for the rule's,
// "environments[1]." for a stage's).
import { SelectField, TextField } from "@/components/ui/forms/fields";
import { durationText } from "@/components/inventory/repos/words";

export function ManualApprovalFields({
  prefix = "",
  minApprovers,
  approverRole,
  expirySeconds,
  expiryClassName,
}: {
  prefix?: string;
  minApprovers?: number;
  approverRole?: string;
  expirySeconds?: number | null;
  expiryClassName?: string;
}) {
  return (
    <>
      <TextField name={`${prefix}min_approvers`} label="Approvals needed" defaultValue={String(minApprovers ?? 1)} inputMode="numeric" hint="1 to 10." />
      <SelectField
        name={`${prefix}approver_role`}
        label="Approved by"
        defaultValue={approverRole === "admin" ? "admin" : "operator"}
        options={[
          { value: "operator", label: "Operators or admins" },
          { value: "admin", label: "Admins only" },
        ]}
      />
      <TextField
        name={`${prefix}approval_expiry`}
        label="Request expires after"
        defaultValue={expirySeconds ? durationText(expirySeconds) : ""}
        placeholder="never"
        mono
        className={expiryClassName}
        hint='E.g. "1d"; empty: when a newer release supersedes it.'
      />
    </>
  );
}
