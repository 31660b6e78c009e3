"use client";
// The Previews list: one row per preview with its pull request, commit, state (and why), address and age; Tear
// down asks first (a dialog: Escape or Cancel closes it, the confirm button is reached with Tab), Approve runs a
// fork's commit. What they did is said above the list (the row's button is gone once it is torn down).
import Link from "next/link";
import { useCallback, useMemo, useState } from "react";
import type { ActionState } from "@/lib/auth/action";
import type { PreviewListRow } from "@/lib/queries/previews";
import { previewStateLabels, type PreviewStateName } from "@/lib/validation/preview-states";
import type { FormAction } from "@/components/ui/forms/result-state";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Mono, Sub, Table, TBody, Td, Th, THead, RowTh } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { shortSha } from "@/components/format/ids";

const tones: Record<PreviewStateName, BadgeTone> = {
  pending_approval: "amber",
  waiting: "amber",
  queued: "sky",
  deploying: "blue",
  running: "emerald",
  failed: "red",
  tearing_down: "zinc",
  torn_down: "outline",
};

export function PreviewList({ rows, now, canManage, tearDown, approve }: { rows: PreviewListRow[]; now: Date; canManage: boolean; tearDown: FormAction; approve: FormAction }) {
  const [said, setSaid] = useState<string[]>([]);
  const remember = useCallback(
    (action: FormAction): FormAction =>
      async (prev: ActionState, form: FormData): Promise<ActionState> => {
        const state = await action(prev, form);
        if (state?.ok) setSaid((list) => [state.message, ...list].slice(0, 3));
        return state;
      },
    [],
  );
  const tearDownSaid = useMemo(() => remember(tearDown), [remember, tearDown]);
  const approveSaid = useMemo(() => remember(approve), [remember, approve]);
  return (
    <div className="space-y-4">
      {said.length ? (
        <ul aria-label="What you did" className="space-y-2">
          {said.map((m, i) => (
            <li
              key={`${i}-${m}`}
              role="status"
              className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100"
            >
              {m}
            </li>
          ))}
        </ul>
      ) : null}
      <PreviewTable rows={rows} now={now} canManage={canManage} tearDown={tearDownSaid} approve={approveSaid} />
    </div>
  );
}

function PreviewTable({ rows, now, canManage, tearDown, approve }: { rows: PreviewListRow[]; now: Date; canManage: boolean; tearDown: FormAction; approve: FormAction }) {
  if (rows.length === 0) {
    return (
      <EmptyState title="No previews">
        <p>
          A deployment rule with previews on (Edit the rule on its repository&apos;s page, or <Mono small>preview:</Mono> in slipway.yml) brings up a preview
          for each open pull request into its branch whose build
          succeeds. They show here with their address.
        </p>
      </EmptyState>
    );
  }
  return (
    <Table caption="Pull request previews">
      <THead>
        <tr>
          <Th>Pull request</Th>
          <Th>State</Th>
          <Th>Address</Th>
          <Th>Age</Th>
          {canManage ? <Th className="text-right">Actions</Th> : null}
        </tr>
      </THead>
      <TBody>
        {rows.map((p) => (
          <tr key={p.id} className="align-top">
            <RowTh className="min-w-48">
              <span className="whitespace-nowrap font-medium">
                {p.repository.name}#{p.prNumber}
              </span>
              {p.fork ? (
                <>
                  {" "}
                  <Badge tone="violet" dot={false}>
                    fork
                  </Badge>
                </>
              ) : null}
              <Sub>
                <Mono small title={p.image}>
                  {shortSha(p.headSha)}
                </Mono>{" "}
                into <Mono small>{p.branch}</Mono> · <Mono small>{p.service}</Mono>
              </Sub>
            </RowTh>
            <Td className="min-w-44 max-w-60">
              <Badge tone={tones[p.state]}>{previewStateLabels[p.state]}</Badge>
              {p.reason ? <Sub className="whitespace-normal break-words">{p.reason}</Sub> : null}
              {p.approvedBy ? <Sub>approved by {p.approvedBy}</Sub> : null}
            </Td>
            <Td className="whitespace-nowrap">
              {p.url && p.state === "running" ? (
                <Link href={p.url} className="link" rel="noreferrer" target="_blank">
                  {p.url.replace(/^https?:\/\//, "")}
                </Link>
              ) : p.url ? (
                <span className="text-zinc-500 dark:text-zinc-400">{p.url.replace(/^https?:\/\//, "")}</span>
              ) : (
                <span className="text-zinc-500 dark:text-zinc-400">no URL pattern</span>
              )}
            </Td>
            <Td className="whitespace-nowrap">
              <Timestamp date={p.createdAt} now={now} relative />
              {p.state === "running" && p.expiresAt ? (
                <Sub>
                  torn down <Timestamp date={p.expiresAt} now={now} relative />
                </Sub>
              ) : p.tornDownAt ? (
                <Sub>
                  torn down <Timestamp date={p.tornDownAt} now={now} relative />
                </Sub>
              ) : null}
            </Td>
            {canManage ? (
              <Td className="text-right">
                <div className="flex flex-wrap justify-end gap-2">
                  {p.state === "pending_approval" ? (
                    <ConfirmAction
                      action={approve}
                      values={{ id: p.id }}
                      trigger="Approve"
                      triggerVariant="primary"
                      triggerClassName="py-1"
                      triggerAriaLabel={`Approve the preview of ${p.repository.name}#${p.prNumber}`}
                      title={`Run the preview of ${p.repository.name}#${p.prNumber}?`}
                      confirmLabel="Approve and run"
                      confirmVariant="primary"
                      pendingText="Approving…"
                    >
                      <p>
                        This pull request comes from a fork. Its commit <Mono small>{shortSha(p.headSha)}</Mono> runs as <Mono small>{p.service}</Mono> on
                        your swarm, without any of Slipway&apos;s secrets. Look at the change first; each new push asks again.
                      </p>
                    </ConfirmAction>
                  ) : null}
                  {p.state !== "torn_down" && p.state !== "tearing_down" ? (
                    <ConfirmAction
                      action={tearDown}
                      values={{ id: p.id }}
                      trigger="Tear down"
                      triggerClassName="py-1"
                      triggerAriaLabel={`Tear down the preview of ${p.repository.name}#${p.prNumber}`}
                      title={`Tear down ${p.service}?`}
                      confirmLabel="Tear down"
                      pendingText="Tearing down…"
                    >
                      <p>
                        The service <Mono small>{p.service}</Mono> is removed from the swarm now. The pull request&apos;s next push brings the preview back.
                        This is recorded in the audit log.
                      </p>
                    </ConfirmAction>
                  ) : null}
                </div>
              </Td>
            ) : null}
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
