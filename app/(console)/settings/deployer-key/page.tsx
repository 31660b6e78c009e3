// Settings → Deployer key: Slipway's own SSH public key (to install in authorized_keys), its rotation,
// and the keys it used before.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { activeDeployerKey, retiredDeployerKeys } from "@/lib/queries/deployer-key";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, THead, TBody, Th, Td, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CopyableText } from "@/components/ui/forms/copy-button";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import { rotateDeployerKeyAction } from "./actions";

export const metadata: Metadata = { title: "Deployer key" };

export default async function DeployerKeyPage() {
  const user = await requirePageUser("console.view", "/settings/deployer-key");
  const admin = can(user, "inventory.edit");
  const [key, retired] = await Promise.all([activeDeployerKey(), retiredDeployerKeys()]);
  const now = new Date();
  const rotate = admin ? (
    <ConfirmAction
      action={rotateDeployerKeyAction}
      values={{}}
      trigger={key ? "Rotate key" : "Generate key"}
      triggerVariant="secondary"
      title={key ? "Rotate the deployer key?" : "Generate the deployer key?"}
      confirmLabel={key ? "Rotate key" : "Generate key"}
      pendingText={key ? "Rotating…" : "Generating…"}
      showSuccess
    >
      {key ? (
        <>
          <p>
            Slipway makes a new key pair and stops using the current one (<code className="font-mono break-all">{key.fingerprintSha256}</code>) at once.
          </p>
          <p className="font-medium text-zinc-900 dark:text-zinc-100">
            Every host&apos;s authorized_keys must get the new public key: until it does, deployments to that host fail with &ldquo;authentication refused&rdquo;.
          </p>
          <p>Remove the old line from the hosts afterwards. The rotation is recorded in the audit log.</p>
        </>
      ) : (
        <p>Slipway makes its SSH key pair now. Install the public key on every host before testing connections.</p>
      )}
    </ConfirmAction>
  ) : null;
  return (
    <>
      <PageHeader
        title="Deployer key"
        description="Slipway logs in to hosts with its own ed25519 key pair. The private half is encrypted at rest and never leaves the server; install the public half for the SSH user of every host."
      />
      {key ? (
        <Panel
          id="active-key-heading"
          title="Public key"
          description={
            <>
              Add this line to <code className="font-mono">~USER/.ssh/authorized_keys</code> on each host (USER is the host&apos;s SSH user, often root).
            </>
          }
        >
          <CopyableText text={key.publicKey} label="Copy the deployer public key" />
          <dl className="mt-4 grid gap-4 sm:grid-cols-3">
            <Fact term="Fingerprint">
              <code className="font-mono break-all">{key.fingerprintSha256}</code>
            </Fact>
            <Fact term="Created">
              <Timestamp date={key.createdAt} />
            </Fact>
            <Fact term="Created by">{key.createdBy ?? "Slipway, on first start"}</Fact>
          </dl>
          {rotate ? <div className="mt-5 border-t border-zinc-100 pt-4 dark:border-zinc-800">{rotate}</div> : null}
        </Panel>
      ) : (
        <EmptyState title="No deployer key yet">
          <p>
            Slipway generates it when a worker starts (<code className="font-mono">npm start</code> or <code className="font-mono">npm run worker</code>).
          </p>
          {rotate ? <div className="flex justify-center pt-2">{rotate}</div> : null}
        </EmptyState>
      )}

      <section aria-labelledby="retired-heading" className="mt-8">
        <h2 id="retired-heading" className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">
          Retired keys
        </h2>
        {retired.length ? (
          <Table caption="Deployer keys no longer used, newest first">
            <THead>
              <tr>
                <Th>Fingerprint</Th>
                <Th>Created</Th>
                <Th>Retired</Th>
                <Th>Created by</Th>
              </tr>
            </THead>
            <TBody>
              {retired.map((k) => (
                <tr key={k.id}>
                  <Td>
                    <Mono className="break-all">{k.fingerprintSha256}</Mono>
                  </Td>
                  <Td className="whitespace-nowrap">
                    <Timestamp date={k.createdAt} />
                  </Td>
                  <Td className="whitespace-nowrap">{k.retiredAt ? <Timestamp date={k.retiredAt} now={now} relative /> : null}</Td>
                  <Td>{k.createdBy ?? "Slipway"}</Td>
                </tr>
              ))}
            </TBody>
          </Table>
        ) : (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">None: this is the first key. Keys replaced by a rotation are listed here; remove their lines from the hosts.</p>
        )}
      </section>
    </>
  );
}
