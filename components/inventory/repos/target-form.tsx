"use client";
// Add or edit a target: for a docker build, a swarm service (or a compose service) on a docker context; for
// a unikernel build, a unikernel on a host. With its health check and time limits.
import { useState } from "react";
import type { RepoTargetRow } from "@/lib/queries/inventory-repos";
import type { FormAction } from "@/components/inventory/common/result-state";
import { ActionForm, CancelButton, SubmitButton } from "@/components/inventory/common/action-form";
import { Hidden, RadioGroupField, SelectField, TextField } from "@/components/inventory/common/fields";
import { durationText } from "@/components/inventory/repos/words";

const roleWords = { build: "build only", swarm_manager: "swarm manager", both: "swarm + build" } as const;

export function TargetForm({
  action,
  deploymentRuleId,
  buildKind,
  target,
  contexts,
  hosts,
}: {
  action: FormAction;
  deploymentRuleId?: string;
  buildKind: "docker" | "unikernel";
  target?: RepoTargetRow;
  contexts: { name: string; role: "build" | "swarm_manager" | "both"; endpoint: string }[];
  hosts: { name: string; address: string }[];
}) {
  const docker = buildKind === "docker";
  const [runs, setRuns] = useState<"swarm" | "compose">(target?.composeProject ? "compose" : "swarm");
  const fields = [
    "name",
    "service",
    "health_url",
    "health_timeout",
    "converge_timeout",
    "monitor",
    ...(docker ? ["context", ...(runs === "compose" ? ["compose_project"] : [])] : ["host"]),
  ];
  const noPlace = docker ? contexts.length === 0 : hosts.length === 0;
  return (
    <ActionForm action={action} label={target ? `Edit target ${target.name}` : "Add target"} fields={fields} closeOnSuccess resetOnSuccess={!target}>
      <Hidden values={{ id: target?.id, deployment_rule_id: target ? undefined : deploymentRuleId }} />
      {noPlace ? (
        <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-700/70 dark:bg-amber-950/60 dark:text-amber-100">
          {docker ? "No docker contexts are registered yet: add one under Docker contexts first." : "No hosts are registered yet: add one under Hosts first."}
        </p>
      ) : null}
      {docker ? (
        <RadioGroupField
          name="runs"
          submit={false}
          legend="Runs as"
          value={runs}
          onChange={(v) => setRuns(v as "swarm" | "compose")}
          options={[
            { value: "swarm", label: "A swarm service", description: "docker service update --image on a swarm manager." },
            { value: "compose", label: "A compose service", description: "docker compose up for one service of a project." },
          ]}
        />
      ) : null}
      <div className="grid gap-4 md:grid-cols-3">
        {docker ? (
          <SelectField
            name="context"
            label="Docker context"
            defaultValue={target?.context?.name ?? contexts.find((c) => c.role !== "build")?.name ?? contexts[0]?.name ?? ""}
            options={[
              ...(contexts.length ? [] : [{ value: "", label: "(none registered)" }]),
              ...contexts.map((c) => ({ value: c.name, label: `${c.name} (${roleWords[c.role]})` })),
            ]}
            hint={runs === "swarm" ? "A swarm manager (role swarm_manager or both)." : "Where docker compose runs."}
          />
        ) : (
          <SelectField
            name="host"
            label="Host"
            defaultValue={target?.host?.name ?? hosts[0]?.name ?? ""}
            options={[...(hosts.length ? [] : [{ value: "", label: "(none registered)" }]), ...hosts.map((h) => ({ value: h.name, label: `${h.name} (${h.address})` }))]}
            hint="The machine that runs the unikernel."
          />
        )}
        {docker && runs === "compose" ? (
          <TextField name="compose_project" label="Compose project" defaultValue={target?.composeProject ?? undefined} placeholder="website" mono required />
        ) : null}
        <TextField
          name="service"
          label={docker ? (runs === "compose" ? "Compose service" : "Swarm service") : "Unikernel name"}
          defaultValue={target?.service}
          placeholder={docker ? (runs === "compose" ? "web" : "infra_deployer") : "www"}
          mono
          required
        />
        <TextField
          name="name"
          label="Target name (optional)"
          defaultValue={target?.name}
          placeholder={docker ? "default: <context>/<service>" : "default: <host>/<service>"}
          mono
          hint="Unique; GitHub shows it as the deployment environment."
        />
      </div>
      <fieldset className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
        <legend className="px-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">Health check and time limits</legend>
        <div className="grid gap-4 md:grid-cols-4">
          <TextField
            name="health_url"
            label="Health URL (optional)"
            defaultValue={target?.healthUrl ?? undefined}
            placeholder="https://deploy.ci.dev/health"
            mono
            className="md:col-span-4"
            hint="After the service converges, a deploy counts as done only once this URL answers 2xx."
          />
          <TextField name="converge_timeout" label="Converge within" defaultValue={durationText(target?.convergeTimeoutSeconds ?? 600)} mono hint="10s to 2h." />
          <TextField name="health_timeout" label="Healthy within" defaultValue={durationText(target?.healthTimeoutSeconds ?? 60)} mono hint="5s to 1h." />
          <TextField name="monitor" label="Watch afterwards for" defaultValue={durationText(target?.monitorSeconds ?? 10)} mono hint="0s to 10m." />
        </div>
      </fieldset>
      <div className="flex items-center gap-2 pt-1">
        <SubmitButton pendingText={target ? "Saving…" : "Adding…"}>{target ? "Save" : "Add target"}</SubmitButton>
        <CancelButton />
      </div>
    </ActionForm>
  );
}
