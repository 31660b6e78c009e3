"use client";
// Add or edit a target: for a docker build, a swarm service (or a compose service) on a docker context; for
// a unikernel build, a unikernel on a host (its directory, how many files it keeps, and how it is restarted:
// systemd, albatross or a command) or an artifact repository on a host. With its health check and time limits.
import { useState } from "react";
import type { RepoTargetRow, RestartMethodName } from "@/lib/queries/inventory-repos";
import {
  defaultRestartUnit,
  DEFAULT_ALBATROSS_MEMORY_MIB,
  DEFAULT_ARTIFACT_BRANCH,
  DEFAULT_KEEP_ARTIFACTS,
  DEFAULT_UNIKERNEL_DIR,
} from "@/lib/validation/inventory-constants";
import type { FormAction } from "@/components/ui/forms/result-state";
import { ActionForm, CancelButton, SubmitButton } from "@/components/ui/forms/action-form";
import { CheckboxField, Hidden, RadioGroupField, SelectField, TextAreaField, TextField } from "@/components/ui/forms/fields";
import { durationText, restartMethodLabels } from "@/components/inventory/repos/words";
import { DEFAULT_MONITOR_SECONDS, SWARM_DEFAULT_MONITOR_SECONDS } from "@/lib/validation/monitor-window";

const roleWords = { build: "build only", swarm_manager: "swarm manager", both: "swarm + build" } as const;

/** Error paths of the service (slipway.yml's nesting) that belong to the form's flat restart fields. */
const errorPaths = {
  restart_method: ["restart.method"],
  restart_unit: ["restart.unit"],
  restart_memory: ["restart.memory"],
  restart_networks: ["restart.networks"],
  restart_args: ["restart.args"],
  restart_argv: ["restart.argv"],
};

const restartFields: Record<RestartMethodName, string[]> = {
  systemd: ["restart_unit"],
  albatross: ["restart_memory", "restart_networks", "restart_args"],
  command: ["restart_argv"],
};

const fieldset = "rounded-md border border-zinc-200 p-3 dark:border-zinc-800";
const legend = "px-1 text-sm font-medium text-zinc-800 dark:text-zinc-200";

export function TargetForm({
  action,
  deploymentRuleId,
  buildKind,
  target,
  contexts,
  hosts,
  environments = [],
}: {
  action: FormAction;
  deploymentRuleId?: string;
  buildKind: "docker" | "unikernel";
  target?: RepoTargetRow;
  contexts: { name: string; role: "build" | "swarm_manager" | "both"; endpoint: string }[];
  hosts: { name: string; address: string }[];
  /** the deployment rule's stages, in order; none: the form has no environment field */
  environments?: string[];
}) {
  const docker = buildKind === "docker";
  const [runs, setRuns] = useState<"swarm" | "compose">(target?.composeProject ? "compose" : "swarm");
  const [place, setPlace] = useState<"host" | "repo">(target?.kind === "artifact_repository" ? "repo" : "host");
  const [method, setMethod] = useState<RestartMethodName>(target?.restartMethod ?? "systemd");
  const onHost = !docker && place === "host";
  const fields = [
    "name",
    "service",
    "health_url",
    "health_timeout",
    "converge_timeout",
    "monitor",
    "allow_unsigned",
    ...(environments.length ? ["environment"] : []),
    ...(docker ? ["context", ...(runs === "compose" ? ["compose_project"] : [])] : ["host"]),
    ...(onHost ? ["dir", "keep", "restart_method", ...restartFields[method]] : []),
    ...(!docker && place === "repo" ? ["artifact_repo", "branch"] : []),
  ];
  const noPlace = docker ? contexts.length === 0 : hosts.length === 0;
  // a unit equal to the default for the service is shown blank, so renaming the service keeps it the default
  const unit = target?.restartUnit && target.restartUnit !== defaultRestartUnit(target.service) ? target.restartUnit : undefined;
  return (
    <ActionForm
      action={action}
      label={target ? `Edit target ${target.name}` : "Add target"}
      fields={fields}
      errorPaths={errorPaths}
      closeOnSuccess
      resetOnSuccess={!target}
    >
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
      ) : (
        <RadioGroupField
          name="place"
          submit={false}
          legend="Deploys to"
          value={place}
          onChange={(v) => setPlace(v as "host" | "repo")}
          options={[
            { value: "host", label: "A unikernel on the host", description: "The file is copied to the host and the service restarted on it." },
            {
              value: "repo",
              label: "An artifact repository",
              description: "A git repository on the host keeps <target>/<commit>/<service>.<target>.bz2 and <target>/latest.",
            },
          ]}
        />
      )}
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
            hint={place === "host" ? "The machine that runs the unikernel." : "The machine that holds the git repository (reached over SSH)."}
          />
        )}
        {docker && runs === "compose" ? (
          <TextField name="compose_project" label="Compose project" defaultValue={target?.composeProject ?? undefined} placeholder="website" mono required />
        ) : null}
        <TextField
          name="service"
          label={docker ? (runs === "compose" ? "Compose service" : "Swarm service") : "Service name"}
          defaultValue={target?.service}
          placeholder={docker ? (runs === "compose" ? "web" : "infra_deployer") : "www"}
          mono
          required
          hint={docker ? undefined : "A letter, then letters, digits, '-' and '_': it names the files, unit and VM on the host."}
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
      {onHost ? (
        <>
          <fieldset className={fieldset}>
            <legend className={legend}>Files on the host</legend>
            <div className="grid gap-4 md:grid-cols-3">
              <TextField
                name="dir"
                label="Directory"
                defaultValue={target?.unikernelDir ?? DEFAULT_UNIKERNEL_DIR}
                mono
                className="md:col-span-2"
                hint="An absolute path; each service keeps its files in <directory>/<service>/."
              />
              <TextField
                name="keep"
                label="Files kept"
                defaultValue={String(target?.keepArtifacts ?? DEFAULT_KEEP_ARTIFACTS)}
                inputMode="numeric"
                hint="1 to 100 per service; the running one and a pinned one are always kept."
              />
            </div>
          </fieldset>
          <fieldset className={`${fieldset} space-y-4`}>
            <legend className={legend}>Restart</legend>
            <RadioGroupField
              name="restart_method"
              legend="The service is restarted on its new file by"
              value={method}
              onChange={(v) => setMethod(v as RestartMethodName)}
              options={[
                { value: "systemd", label: restartMethodLabels.systemd, description: "systemctl restart of a unit on the host." },
                { value: "albatross", label: restartMethodLabels.albatross, description: "albatross-client create --force, with memory, networks and boot arguments." },
                { value: "command", label: restartMethodLabels.command, description: "A program on the host, run with the arguments you give (no shell)." },
              ]}
            />
            {method === "systemd" ? (
              <TextField
                name="restart_unit"
                label="Unit"
                defaultValue={unit}
                placeholder="unikernel@<service>"
                mono
                className="max-w-md"
                hint="Empty: unikernel@<service name>."
              />
            ) : null}
            {method === "albatross" ? (
              <div className="grid gap-4 md:grid-cols-3">
                <TextField
                  name="restart_memory"
                  label="Memory (MiB)"
                  defaultValue={String(target?.memoryMib ?? DEFAULT_ALBATROSS_MEMORY_MIB)}
                  inputMode="numeric"
                  hint="16 to 65536."
                />
                <TextAreaField
                  name="restart_networks"
                  label="Networks"
                  defaultValue={target?.networks.join("\n")}
                  placeholder={"service\ntap0:br0"}
                  rows={3}
                  mono
                  hint="--net entries: a name, or name:bridge; one per line or separated by commas."
                />
                <TextAreaField
                  name="restart_args"
                  label="Boot arguments"
                  defaultValue={target?.bootArgs.join("\n")}
                  placeholder="--ipv4=10.0.0.2/24"
                  rows={3}
                  mono
                  hint="--arg entries, one per line."
                />
              </div>
            ) : null}
            {method === "command" ? (
              <TextAreaField
                name="restart_argv"
                label="Command"
                defaultValue={target?.restartArgv.join("\n")}
                placeholder={"mirage-redeploy\n{service}"}
                rows={4}
                mono
                hint="The program (a name or an absolute path) on the first line, then one argument per line, at most 32 in all. {service}, {file}, {sha256} and {commit} are replaced, each only as a whole line. Run without a shell."
              />
            ) : null}
          </fieldset>
        </>
      ) : null}
      {!docker && place === "repo" ? (
        <fieldset className={fieldset}>
          <legend className={legend}>Artifact repository</legend>
          <div className="grid gap-4 md:grid-cols-3">
            <TextField
              name="artifact_repo"
              label="Git repository on the host"
              defaultValue={target?.artifactRepoPath ?? undefined}
              placeholder="/srv/git/mirage-deployments.git"
              mono
              required
              className="md:col-span-2"
              hint="An absolute path, or ~/path under the SSH user's home."
            />
            <TextField name="branch" label="Branch" defaultValue={target?.artifactRepoBranch ?? DEFAULT_ARTIFACT_BRANCH} mono hint="Each release is a commit on it." />
          </div>
        </fieldset>
      ) : null}
      <fieldset className={fieldset}>
        <legend className={legend}>Health check and time limits</legend>
        <div className="grid gap-4 md:grid-cols-4">
          <TextField
            name="health_url"
            label="Health URL (optional)"
            defaultValue={target?.healthUrl ?? undefined}
            placeholder={docker ? "https://deploy.ci.dev/health" : "https://mirage.io/"}
            mono
            className="md:col-span-4"
            hint="After the service converges, a deploy counts as done only once this URL answers 2xx."
          />
          <TextField name="converge_timeout" label="Converge within" defaultValue={durationText(target?.convergeTimeoutSeconds ?? 600)} mono hint="10s to 2h." />
          <TextField name="health_timeout" label="Healthy within" defaultValue={durationText(target?.healthTimeoutSeconds ?? 60)} mono hint="5s to 1h." />
          <TextField
            name="monitor"
            label="Watch afterwards for"
            defaultValue={target?.monitorSeconds == null ? undefined : durationText(target.monitorSeconds)}
            placeholder={docker && runs === "swarm" ? `as the service (${SWARM_DEFAULT_MONITOR_SECONDS}s)` : `${DEFAULT_MONITOR_SECONDS}s`}
            mono
            hint={
              docker && runs === "swarm"
                ? `0s to 10m. Empty: as long as the swarm watches the update (the service's UpdateConfig.Monitor, ${SWARM_DEFAULT_MONITOR_SECONDS}s unless it sets another).`
                : `0s to 10m. Empty: ${DEFAULT_MONITOR_SECONDS}s.`
            }
          />
        </div>
      </fieldset>
      {environments.length ? (
        <SelectField
          name="environment"
          label="Environment"
          defaultValue={target?.environment ?? ""}
          options={[{ value: "", label: "None: every release of the branch deploys here" }, ...environments.map((e, i) => ({ value: e, label: i === 0 ? `${e} (first: releases of the branch deploy here)` : `${e} (by promotion)` }))]}
          className="max-w-md"
          hint="A later stage's target gets a release only when it is promoted there (Environments)."
        />
      ) : null}
      <fieldset className={fieldset}>
        <legend className={legend}>Signed provenance</legend>
        <CheckboxField
          name="allow_unsigned"
          label="Allow releases without signed provenance"
          defaultChecked={target?.allowUnsigned ?? false}
          hint="Every release Slipway builds is signed, and its signature is checked before each deploy and rollback. Allow this only for images pushed outside Slipway: a missing attestation is then logged and audited instead of refused. A bad one (another key, another digest, edited) is always refused."
        />
      </fieldset>
      <div className="flex items-center gap-2 pt-1">
        <SubmitButton pendingText={target ? "Saving…" : "Adding…"}>{target ? "Save" : "Add target"}</SubmitButton>
        <CancelButton />
      </div>
    </ActionForm>
  );
}
