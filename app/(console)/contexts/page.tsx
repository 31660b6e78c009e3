// Docker contexts: the engines Slipway builds on and deploys through, by name.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { hostEndpointSuggestions, listContexts } from "@/lib/queries/inventory-hosts";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { ContextList } from "@/components/inventory/hosts/context-list";
import { ContextForm } from "@/components/inventory/hosts/context-form";
import { saveContextAction, testContextAction } from "./actions";

export const metadata: Metadata = { title: "Docker contexts" };

export default async function ContextsPage() {
  const user = await requirePageUser("console.view", "/contexts");
  const admin = can(user, "inventory.edit");
  const now = new Date();
  const [contexts, endpoints] = await Promise.all([listContexts(), admin ? hostEndpointSuggestions() : Promise.resolve([])]);
  return (
    <>
      <PageHeader
        title="Docker contexts"
        description="Docker engines Slipway builds images on (build hosts) and upgrades services through (swarm managers): a local socket, or ssh:// through a registered host whose keys are accepted."
      />
      {admin ? (
        <Disclosure label="Add context" variant="primary" defaultOpen={!contexts.length} className="mb-5">
          <div className="max-w-3xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New docker context</h2>
            <ContextForm action={saveContextAction} endpoints={endpoints} resetOnSuccess />
          </div>
        </Disclosure>
      ) : null}
      {contexts.length ? (
        <ContextList contexts={contexts} now={now} testAction={can(user, "inventory.test") ? testContextAction : undefined} />
      ) : (
        <EmptyState title="No docker contexts yet">
          <p>
            A context is how Slipway reaches a Docker engine, like <code className="font-mono">docker context create --docker host=ssh://root@toxis</code>.
            Register the host first (under Hosts) and accept its keys.
          </p>
          <p>{admin ? "Add the first one with the form above." : "Ask an admin to add the engines you build on and deploy to."}</p>
        </EmptyState>
      )}
    </>
  );
}
