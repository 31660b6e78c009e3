// Settings → GitHub apps: each app with the webhook URL to paste into GitHub and whether its credentials are set.
import { Badge } from "@/components/ui/badge";
import { EntityCard, EntityList, Fact } from "@/components/ui/forms/panel";
import { CopyableText } from "@/components/ui/forms/copy-button";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { AppForm } from "@/components/inventory/settings/app-form";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { AppRow } from "@/lib/queries/inventory-settings";

function SetBadge({ what, set }: { what: string; set: boolean }) {
  return <Badge tone={set ? "emerald" : "amber"}>{`${what}: ${set ? "set" : "not set"}`}</Badge>;
}

export function AppList({
  apps,
  webhookUrl,
  saveAction,
  deleteAction,
}: {
  apps: AppRow[];
  /** the console's public URL; each app's webhook URL is <it>/api/webhooks/github/<name> */
  webhookUrl: (name: string) => string;
  saveAction?: FormAction;
  deleteAction?: FormAction;
}) {
  return (
    <EntityList label="GitHub apps">
      {apps.map((a) => (
        <EntityCard
          key={a.id}
          id={`app-${a.id}`}
          title={a.name}
          badges={
            <>
              <SetBadge what="private key" set={a.privateKeySet} />
              <SetBadge what="webhook secret" set={a.webhookSecretSet} />
            </>
          }
          actions={
            deleteAction ? (
              <DeleteButton action={deleteAction} kind="app" id={a.id} what={`GitHub app ${a.name}`} ariaLabel={`Delete GitHub app ${a.name}`}>
                <p>
                  Slipway forgets {a.name} and its private key and webhook secret; GitHub&apos;s deliveries to it will be refused. Refused while repositories
                  belong to it ({a.repositories} do).
                </p>
              </DeleteButton>
            ) : undefined
          }
        >
          <dl className="grid grid-cols-2 gap-4 lg:grid-cols-4">
            <Fact term="App ID">{a.appId ?? <span className="text-zinc-500">not set</span>}</Fact>
            <Fact term="Slug">{a.slug ? <code className="font-mono">{a.slug}</code> : <span className="text-zinc-500">not set</span>}</Fact>
            <Fact term="Accounts">{a.accounts.length ? a.accounts.join(", ") : <span className="text-zinc-500">all installations</span>}</Fact>
            <Fact term="Repositories">{a.repositories}</Fact>
            <Fact term="API URL">
              <code className="font-mono text-xs">{a.apiUrl}</code>
            </Fact>
            <Fact term="Web URL">
              <code className="font-mono text-xs">{a.webUrl}</code>
            </Fact>
          </dl>
          <div>
            <p className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Webhook URL</p>
            <CopyableText text={webhookUrl(a.name)} label={`Copy the webhook URL of ${a.name}`} />
            <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
              Paste it as the app&apos;s webhook URL on GitHub, content type <code className="font-mono">application/json</code>, with the webhook secret set here.
            </p>
          </div>
          {saveAction ? (
            <Disclosure label="Edit" ariaLabel={`Edit GitHub app ${a.name}`} panelClassName="mt-3 rounded-md border border-zinc-200 p-4 dark:border-zinc-800">
              <AppForm action={saveAction} app={a} />
            </Disclosure>
          ) : null}
        </EntityCard>
      ))}
    </EntityList>
  );
}
