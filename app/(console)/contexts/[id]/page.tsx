// One docker context: its endpoint and host, the last test and a new one, and (admins) edit and delete.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { contextDetail, hostEndpointSuggestions } from "@/lib/queries/inventory-hosts";
import { PageHeader } from "@/components/ui/page-header";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { LastCheck } from "@/components/ui/forms/check-result";
import { CheckButton } from "@/components/ui/forms/check-button";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { ContextForm } from "@/components/inventory/hosts/context-form";
import { contextRoleLabels } from "@/components/inventory/hosts/context-labels";
import { deleteContextAction, saveContextAction, testContextAction } from "../actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const c = await contextDetail((await params).id);
  return { title: c ? `Context ${c.name}` : "Context not found" };
}

export default async function ContextPage({ params }: { params: Params }) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/contexts/${id}`);
  const c = await contextDetail(id);
  if (!c) notFound();
  const admin = can(user, "inventory.edit");
  const endpoints = admin ? await hostEndpointSuggestions() : [];
  const now = new Date();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/contexts" className="link">
          ← Docker contexts
        </Link>
      </p>
      <PageHeader
        title={c.name}
        description={
          <>
            {contextRoleLabels[c.role]} at <code className="font-mono">{c.endpoint}</code>.
          </>
        }
      />
      <div className="grid gap-5 xl:grid-cols-2">
        <Panel id="context-heading" title="Context">
          <dl className="grid grid-cols-2 gap-4">
            <Fact term="Endpoint">
              <code className="font-mono break-all">{c.endpoint}</code>
            </Fact>
            <Fact term="Host">
              {c.host ? (
                <Link href={`/hosts/${c.host.id}`} className="link">
                  {c.host.name}
                </Link>
              ) : c.endpoint.startsWith("unix://") ? (
                "local socket"
              ) : (
                "not registered"
              )}
            </Fact>
            <Fact term="Used for">{contextRoleLabels[c.role]}</Fact>
            <Fact term="Architectures">
              <code className="font-mono">{c.archs.join(", ")}</code>
            </Fact>
            <Fact term="Builds at once">{c.maxConcurrentBuilds}</Fact>
            <Fact term="Targets">{c.targets}</Fact>
          </dl>
        </Panel>
        <Panel id="context-test-heading" title="Test" description="Reaches the engine (through the host's accepted keys for ssh://) and asks its version and swarm state.">
          {can(user, "inventory.test") ? (
            <CheckButton
              action={testContextAction}
              values={{ context_id: c.id }}
              label="Test"
              ariaLabel={`Test docker context ${c.name}`}
              last={<LastCheck at={c.lastCheckedAt} message={c.lastCheck?.message ?? null} tone={c.lastCheck?.ok ? "ok" : "error"} now={now} />}
            />
          ) : (
            <div className="space-y-3">
              <LastCheck at={c.lastCheckedAt} message={c.lastCheck?.message ?? null} tone={c.lastCheck?.ok ? "ok" : "error"} now={now} />
              <p className="text-xs text-zinc-500 dark:text-zinc-400">Operators and admins can test a context.</p>
            </div>
          )}
        </Panel>
      </div>
      {admin ? (
        <div className="mt-5 grid gap-5 xl:grid-cols-3">
          <Panel id="edit-context-heading" title="Edit context" className="xl:col-span-2">
            <ContextForm
              action={saveContextAction}
              endpoints={endpoints}
              context={{ id: c.id, name: c.name, endpoint: c.endpoint, role: c.role, archs: c.archs, maxConcurrentBuilds: c.maxConcurrentBuilds }}
            />
          </Panel>
          <Panel id="delete-context-heading" title="Delete context" description="Refused while deployment targets use it.">
            <DeleteButton action={deleteContextAction} kind="context" id={c.id} what={`docker context ${c.name}`} />
          </Panel>
        </div>
      ) : null}
    </>
  );
}
