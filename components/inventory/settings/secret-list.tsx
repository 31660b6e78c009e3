// Settings → Secrets: build secrets by scope and name, whether each has a value, who set it last.
import { Badge } from "@/components/ui/badge";
import { Timestamp } from "@/components/ui/timestamp";
import { EntityCard, EntityList } from "@/components/ui/forms/panel";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { SecretForm } from "@/components/inventory/settings/secret-form";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { SecretRow } from "@/lib/queries/inventory-settings";

function scopeWords(s: SecretRow): string {
  return s.scope === "app" ? `app ${s.app}` : s.scope === "repository" ? `repository ${s.repository}` : "global";
}

export function SecretList({
  secrets,
  now,
  apps,
  repositories,
  saveAction,
  deleteAction,
}: {
  secrets: SecretRow[];
  now: Date;
  apps: string[];
  repositories: string[];
  saveAction?: FormAction;
  deleteAction?: FormAction;
}) {
  return (
    <EntityList label="Secrets" compact>
      {secrets.map((s) => (
        <EntityCard
          key={s.id}
          compact
          id={`secret-${s.id}`}
          title={<code className="font-mono">{s.name}</code>}
          badges={
            <>
              <Badge tone={s.scope === "global" ? "sky" : s.scope === "app" ? "indigo" : "violet"} dot={false}>
                {scopeWords(s)}
              </Badge>
              {s.valueSet ? <Badge tone="emerald">value set</Badge> : <Badge tone="amber" title="Declared (e.g. by slipway.yml) but nobody has set its value: builds that need it fail">not set</Badge>}
              <span className="text-xs text-zinc-500 dark:text-zinc-400">
                updated <Timestamp date={s.updatedAt} now={now} relative />
                {s.updatedBy ? ` by ${s.updatedBy}` : ""}
              </span>
            </>
          }
          actions={
            deleteAction ? (
              <DeleteButton action={deleteAction} kind="secret" id={s.id} what={`secret ${s.name} (${scopeWords(s)})`} ariaLabel={`Delete secret ${s.name} (${scopeWords(s)})`}>
                <p>Builds that list {s.name} under build_secrets will fail until it is added again.</p>
              </DeleteButton>
            ) : undefined
          }
        >
          {saveAction ? (
            <Disclosure
              label={s.valueSet ? "Edit or replace value" : "Set value"}
              ariaLabel={`${s.valueSet ? "Edit or replace value of" : "Set value of"} secret ${s.name} (${scopeWords(s)})`}
              panelClassName="mt-3 mb-1 rounded-md border border-zinc-200 p-4 dark:border-zinc-800"
            >
              <SecretForm action={saveAction} secret={s} apps={apps} repositories={repositories} />
            </Disclosure>
          ) : null}
        </EntityCard>
      ))}
    </EntityList>
  );
}
