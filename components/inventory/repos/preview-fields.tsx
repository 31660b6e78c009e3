"use client";
// The deployment rule form's previews of pull requests (docker builds only): whether to run them and, when on or
// already set, where and how (docs/previews.md). Posts flat preview_* fields and the marker edits_preview=1, which
// lib/services/inventory/deploy-rule-form.ts turns into slipway.yml's `preview: {...}`.
import { useState } from "react";
import { DEFAULT_PREVIEW_MAX_CONCURRENT, DEFAULT_PREVIEW_TTL_HOURS } from "@/lib/validation/preview-defaults";
import type { InventoryChoices, RepoPreviewSettings } from "@/lib/queries/inventory-repos";
import { CheckboxField, Hidden, SelectField, TextAreaField, TextField } from "@/components/ui/forms/fields";

/** The fields it posts (for ActionForm's `fields`). */
export const PREVIEW_FIELDS = [
  "preview_enabled",
  "preview_url",
  "preview_context",
  "preview_port",
  "preview_network",
  "preview_labels",
  "preview_ttl_hours",
  "preview_max_concurrent",
] as const;

/** Error paths of the service (slipway.yml's `preview.url`) that belong to each flat field. */
export const previewErrorPaths: Record<string, readonly string[]> = Object.fromEntries(
  PREVIEW_FIELDS.map((f) => [f, [`preview.${f.slice("preview_".length)}`]]),
);

/** Are any settings set besides the defaults (then they show although previews are off)? */
function hasSettings(p: RepoPreviewSettings | undefined): boolean {
  if (!p) return false;
  return Boolean(p.context || p.url || p.labels.length || p.port !== null || p.network || p.ttlHours !== DEFAULT_PREVIEW_TTL_HOURS || p.maxConcurrent !== DEFAULT_PREVIEW_MAX_CONCURRENT);
}

export function PreviewFields({ preview, contexts }: { preview?: RepoPreviewSettings; contexts: InventoryChoices["contexts"] }) {
  const [enabled, setEnabled] = useState(preview?.enabled ?? false);
  const shown = enabled || hasSettings(preview);
  // a context that only builds cannot run them; the one set already stays listed, so the form does not change it unasked
  const choices = contexts.filter((c) => c.role !== "build" || c.name === preview?.context);
  return (
    <fieldset className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
      <legend className="px-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">Previews</legend>
      <Hidden values={{ edits_preview: "1" }} />
      <CheckboxField
        name="preview_enabled"
        label="Run a preview of each pull request"
        defaultChecked={preview?.enabled ?? false}
        onChange={setEnabled}
        hint={
          enabled
            ? "Each pull request into this branch runs as its own swarm service, torn down when it closes."
            : shown
              ? "Off: no previews run and any running are torn down within a minute; the settings below are kept."
              : "Each pull request into this branch runs as its own swarm service, reachable through your reverse proxy."
        }
      />
      {shown ? (
        <div className="mt-3 space-y-4">
          <div className="grid gap-4 md:grid-cols-4">
            <TextField
              name="preview_url"
              label="URL pattern"
              defaultValue={preview?.url}
              placeholder="https://pr-{number}.preview.example.com"
              mono
              className="md:col-span-2"
              hint="{number} is the pull request's number."
            />
            <SelectField
              name="preview_context"
              label="Preview context"
              className="md:col-span-2"
              defaultValue={preview?.context ?? ""}
              options={[
                { value: "", label: `The first swarm target's${preview?.defaultContext ? ` (${preview.defaultContext})` : ""}` },
                ...choices.map((c) => ({ value: c.name, label: c.name })),
              ]}
              hint={preview?.defaultContext ? "The swarm manager they run on." : "The swarm manager they run on. No swarm target yet: choose one, or add a target first."}
            />
            <TextField name="preview_port" label="Port" defaultValue={preview?.port === null ? "" : preview?.port} placeholder="8080" inputMode="numeric" optional hint="The container's; {port} in the labels." />
            <TextField name="preview_network" label="Network" defaultValue={preview?.network} placeholder="traefik-public" mono optional hint="An overlay network the proxy is on." />
            <TextField name="preview_ttl_hours" label="Time to live (hours)" defaultValue={preview?.ttlHours ?? DEFAULT_PREVIEW_TTL_HOURS} inputMode="numeric" hint="After its last deploy." />
            <TextField name="preview_max_concurrent" label="Max concurrent" defaultValue={preview?.maxConcurrent ?? DEFAULT_PREVIEW_MAX_CONCURRENT} inputMode="numeric" hint="The next one waits." />
          </div>
          <TextAreaField
            name="preview_labels"
            label="Labels"
            defaultValue={preview?.labels.join("\n")}
            rows={3}
            placeholder={"traefik.enable=true\ntraefik.http.routers.{service}.rule=Host(`{host}`)"}
            inputClassName="font-mono text-xs"
            hint="One key=value per line; {number}, {service}, {host}, {port} and {url} are filled in. slipway.* keys are Slipway's own."
          />
        </div>
      ) : null}
    </fieldset>
  );
}
