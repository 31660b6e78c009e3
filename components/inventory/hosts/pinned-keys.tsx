// The host keys an admin accepted for a host: Slipway connects only when the host presents one of them.
import { Table, THead, TBody, Th, Td, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { EmptyState } from "@/components/ui/empty-state";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { PinnedHostKeyRow } from "@/lib/queries/inventory-hosts";

export function PinnedKeys({
  hostId,
  hostName,
  keys,
  now,
  removeAction,
}: {
  hostId: string;
  hostName: string;
  keys: PinnedHostKeyRow[];
  now: Date;
  /** set for admins */
  removeAction?: FormAction;
}) {
  if (!keys.length) {
    return (
      <EmptyState title="No host key accepted yet" compact>
        <p>Slipway refuses to connect to {hostName} until an admin accepts at least one of its host keys: scan them or paste known_hosts lines.</p>
      </EmptyState>
    );
  }
  return (
    <Table caption={`Host keys accepted for ${hostName}`}>
      <THead>
        <tr>
          <Th>Algorithm</Th>
          <Th>SHA256 fingerprint</Th>
          <Th>Accepted by</Th>
          <Th>Accepted</Th>
          {removeAction ? (
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          ) : null}
        </tr>
      </THead>
      <TBody>
        {keys.map((k) => (
          <tr key={k.id}>
            <Td>
              <Mono small>{k.algorithm}</Mono>
            </Td>
            <Td>
              <Mono className="break-all">{k.fingerprintSha256}</Mono>
            </Td>
            <Td>{k.acceptedBy ?? <span className="text-zinc-400">slipway.yml import or system</span>}</Td>
            <Td className="whitespace-nowrap">
              <Timestamp date={k.acceptedAt} now={now} relative />
            </Td>
            {removeAction ? (
              <Td className="text-right">
                <ConfirmAction
                  action={removeAction}
                  values={{ host_id: hostId, key_id: k.id }}
                  trigger="Remove"
                  triggerAriaLabel={`Remove ${k.algorithm} key ${k.fingerprintSha256}`}
                  title={`Remove this ${k.algorithm} key?`}
                  confirmLabel="Remove key"
                  pendingText="Removing…"
                  className="inline-block"
                >
                  <p>
                    Slipway will no longer accept <code className="font-mono break-all">{k.fingerprintSha256}</code> from {hostName}.
                    {keys.length === 1 ? " It is the only accepted key: Slipway will not connect to this host until another is accepted." : null}
                  </p>
                </ConfirmAction>
              </Td>
            ) : null}
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
