// Settings → API tokens: the tokens with their prefix, scope, repositories, last use, expiry and state; revoke.
import { Badge } from "@/components/ui/badge";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono, TBody, THead, Table, Td, Th } from "@/components/ui/table";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { ApiTokenRow } from "@/lib/queries/api-tokens";

const stateTone = { active: "emerald", expired: "amber", revoked: "zinc" } as const;

export function ApiTokenList({ tokens, now, showOwner, revokeAction }: { tokens: ApiTokenRow[]; now: Date; showOwner: boolean; revokeAction: FormAction }) {
  return (
    <Table caption="API tokens">
      <THead>
        <tr>
          <Th>Name</Th>
          {showOwner ? <Th>Owner</Th> : null}
          <Th>Token</Th>
          <Th>Scope</Th>
          <Th>Repositories</Th>
          <Th>Last used</Th>
          <Th>Expires</Th>
          <Th>State</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </tr>
      </THead>
      <TBody>
        {tokens.map((t) => (
          <tr key={t.id} id={`token-${t.id}`}>
            <Td className="font-medium">{t.name}</Td>
            {showOwner ? <Td>{t.owner.login}</Td> : null}
            <Td>
              <Mono small>{t.prefix}…</Mono>
            </Td>
            <Td>{t.scope}</Td>
            <Td>{t.repositories.length ? t.repositories.map((r) => r.name).join(", ") : <span className="text-zinc-500 dark:text-zinc-400">all</span>}</Td>
            <Td>{t.lastUsedAt ? <Timestamp date={t.lastUsedAt} now={now} relative /> : <span className="text-zinc-500 dark:text-zinc-400">never</span>}</Td>
            <Td>{t.expiresAt ? <Timestamp date={t.expiresAt} /> : "never"}</Td>
            <Td>
              <Badge tone={stateTone[t.state]}>{t.state}</Badge>
            </Td>
            <Td className="text-right">
              {t.state !== "revoked" ? (
                <ConfirmAction
                  action={revokeAction}
                  values={{ id: t.id }}
                  trigger="Revoke"
                  triggerAriaLabel={`Revoke token ${t.name}${showOwner ? ` of ${t.owner.login}` : ""}`}
                  triggerClassName="py-1"
                  title={`Revoke the token "${t.name}"?`}
                  confirmLabel="Revoke token"
                  pendingText="Revoking…"
                >
                  <p>Every request with it is refused from now on. Whatever uses it (a CI job, a script) needs a new token. The revocation is recorded in the audit log.</p>
                </ConfirmAction>
              ) : null}
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
