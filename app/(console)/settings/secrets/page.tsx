// Settings → Secrets: values builds read with RUN --mount=type=secret, global or scoped to an app or a repository.
// Everyone reads the names and whether each has a value (never the value); admins add, set and delete.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listSecrets, secretScopeChoices } from "@/lib/queries/inventory-settings";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { SecretForm } from "@/components/inventory/settings/secret-form";
import { SecretList } from "@/components/inventory/settings/secret-list";
import { deleteSecretAction, saveSecretAction } from "./actions";

export const metadata: Metadata = { title: "Secrets" };

export default async function SecretsPage() {
  const user = await requirePageUser("console.view", "/settings/secrets");
  const admin = can(user, "inventory.edit");
  const [secrets, choices] = await Promise.all([listSecrets(), secretScopeChoices()]);
  const unset = secrets.filter((s) => !s.valueSet).length;
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Secrets"
        description="Build secrets: encrypted at rest, given to builds that list them, masked in every log, and never shown again. Credentials of apps, registries and Slack channels are set on their own pages."
      />
      {unset ? (
        <Notice tone="warning" role="status" title={`${unset} secret${unset === 1 ? " has" : "s have"} no value yet.`} className="mb-5">
          <p>Builds that need {unset === 1 ? "it" : "them"} fail until an admin sets the value{admin ? ": use Set value below" : ""}.</p>
        </Notice>
      ) : null}
      {admin ? (
        <Disclosure label="Add secret" variant="primary" defaultOpen={!secrets.length} className="mb-5">
          <div className="max-w-3xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New secret</h2>
            <SecretForm action={saveSecretAction} apps={choices.apps} repositories={choices.repositories} />
          </div>
        </Disclosure>
      ) : null}
      {secrets.length ? (
        <SecretList
          secrets={secrets}
          now={now}
          apps={choices.apps}
          repositories={choices.repositories}
          saveAction={admin ? saveSecretAction : undefined}
          deleteAction={admin ? deleteSecretAction : undefined}
        />
      ) : (
        <EmptyState title="No secrets yet">
          <p>A build rule lists the secrets it needs under build_secrets; Slipway passes each to docker build as a secret mount, never as a build argument.</p>
          <p>{admin ? "Add the first one with the form above." : "Ask an admin to add the secrets your builds need."}</p>
        </EmptyState>
      )}
    </>
  );
}
