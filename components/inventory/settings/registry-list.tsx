// Settings → Registries: each registry with its login and last test; Test login, Edit and Delete.
import { Badge } from "@/components/ui/badge";
import { EntityCard, EntityList, Fact } from "@/components/ui/forms/panel";
import { LastCheck } from "@/components/ui/forms/check-result";
import { CheckButton } from "@/components/ui/forms/check-button";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { RegistryForm } from "@/components/inventory/settings/registry-form";
import type { CheckOutcome, FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { RegistryRow } from "@/lib/queries/inventory-settings";

/** The row keeps only the "Test login" sentence (lib/registry/login.ts), whose words say how it went. */
function registryTone(message: string | null): "ok" | "error" {
  return message && /^[^:]+: (Logged in to |\S+ answers( without a login)?:?)/.test(message) ? "ok" : "error";
}

export function RegistryList({
  registries,
  now,
  saveAction,
  deleteAction,
  testAction,
}: {
  registries: RegistryRow[];
  now: Date;
  saveAction?: FormAction;
  deleteAction?: FormAction;
  testAction?: FormAction<ResultState<CheckOutcome>>;
}) {
  return (
    <EntityList label="Registries">
      {registries.map((r) => (
        <EntityCard
          key={r.id}
          id={`registry-${r.id}`}
          title={r.name}
          badges={<Badge tone={r.passwordSet ? "emerald" : "zinc"}>password {r.passwordSet ? "set" : "not set"}</Badge>}
          actions={
            deleteAction ? (
              <DeleteButton action={deleteAction} kind="registry" id={r.id} what={`registry ${r.name}`} ariaLabel={`Delete registry ${r.name}`}>
                <p>
                  Slipway forgets {r.name} and its stored password. Refused while deployment rules push to it ({r.deploymentRules} do).
                </p>
              </DeleteButton>
            ) : undefined
          }
        >
          <dl className="grid grid-cols-2 gap-4 lg:grid-cols-4">
            <Fact term="Address">
              <code className="font-mono">{r.url}</code>
            </Fact>
            <Fact term="Username">{r.username ? <code className="font-mono">{r.username}</code> : <span className="text-zinc-500">anonymous</span>}</Fact>
            <Fact term="Password">{r.passwordSet ? "set" : "not set"}</Fact>
            <Fact term="Deployment rules">{r.deploymentRules}</Fact>
          </dl>
          {testAction ? (
            <CheckButton
              action={testAction}
              values={{ registry_id: r.id }}
              label="Test login"
              ariaLabel={`Test login to registry ${r.name}`}
              last={<LastCheck at={r.lastCheckedAt} message={r.lastCheckResult} tone={registryTone(r.lastCheckResult)} now={now} />}
            />
          ) : (
            <LastCheck at={r.lastCheckedAt} message={r.lastCheckResult} tone={registryTone(r.lastCheckResult)} now={now} />
          )}
          {saveAction ? (
            <Disclosure label="Edit" ariaLabel={`Edit registry ${r.name}`} panelClassName="mt-3 rounded-md border border-zinc-200 p-4 dark:border-zinc-800">
              <RegistryForm action={saveAction} registry={r} />
            </Disclosure>
          ) : null}
        </EntityCard>
      ))}
    </EntityList>
  );
}
