// One host: how Slipway reaches it, the deployer key to install, its accepted host keys (scan, accept,
// paste, remove), a connection test, and (admins) edit and delete.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { hostDetail } from "@/lib/queries/inventory-hosts";
import { activeDeployerKey } from "@/lib/queries/deployer-key";
import { PageHeader } from "@/components/ui/page-header";
import { Notice } from "@/components/ui/notice";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { LastCheck } from "@/components/ui/forms/check-result";
import { CopyableText } from "@/components/ui/forms/copy-button";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { HostForm } from "@/components/inventory/hosts/host-form";
import { PinnedKeys } from "@/components/inventory/hosts/pinned-keys";
import { ScanKeys } from "@/components/inventory/hosts/scan-keys";
import { KnownHostsForm } from "@/components/inventory/hosts/known-hosts-form";
import { TestConnection } from "@/components/inventory/hosts/test-connection";
import { hostCheckTone } from "@/components/inventory/hosts/host-tone";
import { targetKindWords } from "@/components/deployments/words";
import { param, type SearchParams } from "../../search-params";
import { deleteHostAction, pinHostKeysAction, removeHostKeyAction, scanHostAction, testHostAction, updateHostAction } from "../actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const host = await hostDetail((await params).id);
  return { title: host ? `Host ${host.name}` : "Host not found" };
}

export default async function HostPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/hosts/${id}`);
  const [host, deployerKey] = await Promise.all([hostDetail(id), activeDeployerKey()]);
  if (!host) notFound();
  const admin = can(user, "inventory.edit");
  const tester = can(user, "inventory.test");
  const added = param(await searchParams, "added") === "1";
  const now = new Date();
  const endpoint = host.address.includes(":") ? `[${host.address}]:${host.port}` : `${host.address}:${host.port}`;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/hosts" className="link">
          ← Hosts
        </Link>
      </p>
      <PageHeader
        title={host.name}
        description={
          <>
            Slipway connects to <code className="font-mono">{endpoint}</code> as <code className="font-mono">{host.user}</code> with its deployer key, and only
            when the host presents one of the accepted host keys below.
          </>
        }
      />
      {added && !host.keys.length ? (
        <Notice tone="success" role="status" title={`Host ${host.name} added.`} className="mb-5">
          <p>Next: accept its host keys (scan them, or paste known_hosts lines), install the deployer key on it, then test the connection.</p>
        </Notice>
      ) : null}

      <div className="grid gap-5 xl:grid-cols-2">
        <Panel id="connection-heading" title="Connection" description="Logs in with the deployer key, checking the host key against the accepted ones.">
          <dl className="mb-4 grid grid-cols-3 gap-4">
            <Fact term="Address">
              <code className="font-mono">{host.address}</code>
            </Fact>
            <Fact term="Port">{host.port}</Fact>
            <Fact term="User">
              <code className="font-mono">{host.user}</code>
            </Fact>
          </dl>
          {tester ? (
            <TestConnection
              action={testHostAction}
              hostId={host.id}
              user={host.user}
              deployerPublicKey={deployerKey?.publicKey ?? null}
              last={<LastCheck at={host.lastCheckedAt} message={host.lastCheckResult} tone={hostCheckTone(host.lastCheckResult)} now={now} />}
            />
          ) : (
            <div className="space-y-3">
              <LastCheck at={host.lastCheckedAt} message={host.lastCheckResult} tone={hostCheckTone(host.lastCheckResult)} now={now} />
              <p className="text-xs text-zinc-500 dark:text-zinc-400">Operators and admins can test the connection.</p>
            </div>
          )}
        </Panel>

        <Panel
          id="deployer-key-heading"
          title="Deployer key"
          description={
            <>
              Install this in <code className="font-mono">~{host.user}/.ssh/authorized_keys</code> on {host.name}: Slipway logs in with it.
            </>
          }
        >
          {deployerKey ? (
            <div className="space-y-2">
              <CopyableText text={deployerKey.publicKey} label="Copy the deployer public key" />
              <p className="text-xs text-zinc-500 dark:text-zinc-400">
                Fingerprint <code className="font-mono">{deployerKey.fingerprintSha256}</code> ·{" "}
                <Link href="/settings/deployer-key" className="link">
                  Settings → Deployer key
                </Link>
              </p>
            </div>
          ) : (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              No deployer key yet: Slipway generates one when a worker starts. See{" "}
              <Link href="/settings/deployer-key" className="link">
                Settings → Deployer key
              </Link>
              .
            </p>
          )}
        </Panel>
      </div>

      <Panel
        id="host-keys-heading"
        title="Host keys"
        className="mt-5"
        description="Slipway checks the host's SSH key against these before every connection; a changed key stops every connection to this host."
      >
        <PinnedKeys hostId={host.id} hostName={host.name} keys={host.keys} now={now} removeAction={admin ? removeHostKeyAction : undefined} />
        {admin ? (
          <div className="mt-5 grid gap-6 border-t border-zinc-100 pt-5 xl:grid-cols-2 dark:border-zinc-800">
            <div>
              <h3 className="mb-1 text-sm font-semibold text-zinc-900 dark:text-zinc-100">Scan</h3>
              <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">Asks {host.name} for its host keys. Nothing is accepted until you tick keys and accept them.</p>
              <ScanKeys hostId={host.id} scanAction={scanHostAction} pinAction={pinHostKeysAction} />
            </div>
            <div>
              <h3 className="mb-1 text-sm font-semibold text-zinc-900 dark:text-zinc-100">Paste</h3>
              <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">When Slipway cannot scan it, or to accept keys you got by another trusted route.</p>
              <KnownHostsForm hostId={host.id} address={host.address} port={host.port} action={pinHostKeysAction} />
            </div>
          </div>
        ) : null}
      </Panel>

      <Panel
        id="used-by-heading"
        title="Used by"
        className="mt-5"
        description={`${host.targets.length} target${host.targets.length === 1 ? "" : "s"} and ${host.dockerContexts.length} docker context${host.dockerContexts.length === 1 ? "" : "s"} use this host.`}
      >
        <div className="grid gap-5 lg:grid-cols-2">
          <div>
            <h3 className="mb-2 text-sm font-semibold text-zinc-900 dark:text-zinc-100">Docker contexts</h3>
            {host.dockerContexts.length ? (
              <ul className="space-y-1 text-sm">
                {host.dockerContexts.map((c) => (
                  <li key={c.id} className="min-w-0 [overflow-wrap:anywhere]">
                    <Link href={`/contexts/${c.id}`} className="link">
                      {c.name}
                    </Link>{" "}
                    <code className="font-mono text-xs text-zinc-500 dark:text-zinc-400">{c.endpoint}</code>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                No docker context uses this host yet.{" "}
                <Link href="/contexts" className="link">
                  Contexts
                </Link>
              </p>
            )}
          </div>
          <div>
            <h3 className="mb-2 text-sm font-semibold text-zinc-900 dark:text-zinc-100">Targets</h3>
            {host.targets.length ? (
              <ul className="space-y-1 text-sm" aria-label={`Targets on ${host.name}`}>
                {host.targets.map((t) => (
                  <li key={t.id} className="min-w-0 [overflow-wrap:anywhere]">
                    <Link href={`/targets/${t.id}`} className="link">
                      {t.name}
                    </Link>{" "}
                    <span className="text-xs text-zinc-500 dark:text-zinc-400">
                      {targetKindWords[t.kind] ?? t.kind} <code className="font-mono">{t.service}</code>
                      {t.context ? ` on context ${t.context}` : ""}
                    </span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">No target runs on this host yet.</p>
            )}
          </div>
        </div>
      </Panel>

      {admin ? (
        <div className="mt-5 grid gap-5 xl:grid-cols-3">
          <Panel id="edit-host-heading" title="Edit host" className="xl:col-span-2">
            <HostForm action={updateHostAction} host={{ id: host.id, name: host.name, address: host.address, port: host.port, user: host.user }} />
          </Panel>
          <Panel id="delete-host-heading" title="Delete host" description="Refused while docker contexts or targets use it.">
            <DeleteButton action={deleteHostAction} kind="host" id={host.id} what={`host ${host.name}`}>
              <p>
                Slipway forgets {host.name}, its accepted host keys and its address. The deletion is recorded in the audit log; re-adding the host means accepting
                its keys again.
              </p>
            </DeleteButton>
          </Panel>
        </div>
      ) : null}
    </>
  );
}
