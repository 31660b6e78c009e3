"use client";
// Add or edit a repository: a GitHub repository of one of the apps (owner/name; webhooks tell Slipway about
// pushes), or any git URL Slipway polls with git ls-remote.
import { useState } from "react";
import type { FormAction } from "@/components/ui/forms/result-state";
import { ActionForm, CancelButton, SubmitButton } from "@/components/ui/forms/action-form";
import { Hidden, RadioGroupField, SelectField, TextField } from "@/components/ui/forms/fields";
import { durationText } from "@/components/inventory/repos/words";

export interface RepositoryFormValues {
  id: string;
  name: string;
  app: string | null;
  url: string;
  defaultBranch: string;
  pollIntervalSeconds: number;
  enabled: boolean;
}

export function RepositoryForm({
  action,
  apps,
  repo,
}: {
  action: FormAction;
  apps: { name: string; webUrl: string }[];
  /** absent when adding */
  repo?: RepositoryFormValues;
}) {
  const [source, setSource] = useState<"github" | "git">(repo ? (repo.app ? "github" : "git") : apps.length ? "github" : "git");
  const [app, setApp] = useState(repo?.app ?? apps[0]?.name ?? "");
  // A GitHub repository's clone URL is derived from its app; one set by hand (in slipway.yml) is kept.
  const derived = repo?.app ? `${(apps.find((a) => a.name === repo.app)?.webUrl ?? "https://github.com").replace(/\/+$/, "")}/${repo.name}.git` : null;
  const keepUrl = source === "github" && repo?.app && repo.url !== derived ? repo.url : undefined;
  const fields = source === "github" ? ["app", "repo", "default_branch", "enabled", "url", "poll_interval"] : ["repo", "url", "default_branch", "poll_interval", "enabled", "app"];
  const webUrl = apps.find((a) => a.name === app)?.webUrl ?? "https://github.com";
  return (
    <ActionForm action={action} label={repo ? `Edit repository ${repo.name}` : "Add repository"} fields={fields} closeOnSuccess>
      <Hidden
        values={{
          id: repo?.id,
          ...(source === "git" ? { app: "" } : {}),
          ...(source === "github" ? { poll_interval: String(repo?.pollIntervalSeconds ?? 300), url: keepUrl } : {}),
        }}
      />
      <RadioGroupField
        name="source"
        submit={false}
        legend="Where Slipway gets it"
        value={source}
        onChange={(v) => setSource(v as "github" | "git")}
        options={[
          {
            value: "github",
            label: "GitHub repository",
            disabled: apps.length === 0,
            description: apps.length
              ? "Of a GitHub app's installation: webhooks report pushes, builds report check runs."
              : "Register a GitHub app under Settings first.",
          },
          { value: "git", label: "Any git URL", description: "Polled with git ls-remote; no checks reported anywhere." },
        ]}
      />
      <div className="grid gap-4 md:grid-cols-2">
        {source === "github" ? (
          <>
            <SelectField
              key="app"
              name="app"
              label="GitHub app"
              value={app}
              onChange={setApp}
              options={apps.map((a) => ({ value: a.name, label: a.name }))}
              hint="The installation that delivers this repository's webhooks."
            />
            <TextField
              key="repo"
              name="repo"
              label="Repository (owner/name)"
              defaultValue={repo?.name}
              placeholder="ocurrent/ocurrent-deployer"
              mono
              required
              hint={`As on GitHub: ${webUrl.replace(/\/+$/, "")}/owner/name`}
            />
          </>
        ) : (
          <>
            <TextField key="repo" name="repo" label="Name" defaultValue={repo?.name} placeholder="infra/website" mono required hint="How the console names it; unique." />
            <TextField
              key="url"
              name="url"
              label="Git URL"
              defaultValue={repo && !repo.app ? repo.url : undefined}
              placeholder="https://git.example.org/infra/website.git"
              mono
              required
              hint="https://, ssh://, git:// or file:// (or git@host:path)."
            />
          </>
        )}
        <TextField name="default_branch" label="Default branch" defaultValue={repo?.defaultBranch ?? "main"} mono hint="Builds of this branch are the repository's status." />
        {source === "git" ? (
          <TextField
            name="poll_interval"
            label="Poll every"
            defaultValue={durationText(repo?.pollIntervalSeconds ?? 300)}
            mono
            hint='Seconds, or a duration such as "5m" (30s to 1d).'
          />
        ) : null}
        <SelectField
          name="enabled"
          label="Status"
          defaultValue={repo ? String(repo.enabled) : "true"}
          options={[
            { value: "true", label: "Enabled: build and deploy" },
            { value: "false", label: "Disabled: ignore pushes" },
          ]}
        />
      </div>
      <div className="flex items-center gap-2 pt-1">
        <SubmitButton pendingText={repo ? "Saving…" : "Adding…"}>{repo ? "Save" : "Add repository"}</SubmitButton>
        <CancelButton />
      </div>
    </ActionForm>
  );
}
