"use client";
// The approvals inbox: every deployment waiting for approval, oldest first, with what it would put where
// (target, repository and branch, commit, image), who asked, how many approvals it has of how many, when
// the request expires, and Approve / Reject with a comment for operators. A decided deployment leaves the
// list (in the same render as the action's answer), so the list, not the row, keeps what the decision did:
// it stays on top, with a link to follow the deployment.
import Link from "next/link";
import { useCallback, useState } from "react";
import type { ActionState } from "@/lib/auth/action";
import type { PendingApprovalRow } from "@/lib/queries/deployment-detail";
import type { FormAction } from "@/components/ui/forms/result-state";
import { DecisionForm } from "@/components/deployments/decision-form";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";
import { firstLine, shortDigest, shortSha } from "@/components/format/ids";
import { deploymentTriggerWords } from "@/components/deployments/words";
import { EmptyState } from "@/components/ui/empty-state";

interface Outcome {
  id: string;
  target: string;
  message: string;
}

const muted = "text-zinc-500 dark:text-zinc-400";

export function ApprovalInbox({ rows, now, canDecide, action }: { rows: PendingApprovalRow[]; now: Date; canDecide: boolean; action: FormAction }) {
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const decide = useCallback(
    async (prev: ActionState, form: FormData): Promise<ActionState> => {
      const state = await action(prev, form);
      if (state?.ok) {
        const id = String(form.get("deploymentId") ?? "");
        const target = rows.find((r) => r.id === id)?.target.name ?? "its target";
        setOutcomes((list) => [{ id, target, message: state.message }, ...list.filter((o) => o.id !== id)].slice(0, 5));
      }
      return state;
    },
    [action, rows],
  );
  return (
    <div className="space-y-4">
      {outcomes.length ? (
        <ul aria-label="Your decisions" className="space-y-2">
          {outcomes.map((o) => (
            <li
              key={o.id}
              role="status"
              className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100"
            >
              <span>{o.message}</span>
              <Link href={`/deployments/${o.id}`} className="font-medium underline underline-offset-2">
                Follow the deployment to {o.target} →
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
      {rows.length ? (
        <ul aria-label="Deployments waiting for approval" className="space-y-4">
          {rows.map((r) => (
            <InboxRow key={r.id} row={r} now={now} canDecide={canDecide} action={decide} />
          ))}
        </ul>
      ) : (
        <EmptyState title="Nothing waits for approval">
          <p>Deployments whose rule asks for approval, or whose confirm level is at or above the console&apos;s approval level, wait here until an operator approves them.</p>
        </EmptyState>
      )}
    </div>
  );
}

function InboxRow({ row: r, now, canDecide, action }: { row: PendingApprovalRow; now: Date; canDecide: boolean; action: FormAction }) {
  const headingId = `approval-${r.id}`;
  const message = firstLine(r.release.commitMessage);
  const expired = r.approvalExpiresAt !== null && r.approvalExpiresAt.getTime() <= now.getTime();
  const image = r.release.imageRepo ? `${r.release.imageRepo}${r.release.tag ? `:${r.release.tag}` : ""}` : null;
  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
      <div className={`grid gap-5 ${canDecide ? "xl:grid-cols-[minmax(0,1fr)_22rem]" : ""}`}>
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <h2 id={headingId} className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
              <Link href={`/targets/${r.target.id}`} className="hover:underline">
                {r.target.name}
              </Link>
            </h2>
            <Badge tone="amber">
              {r.approvals} of {r.needed} approval{r.needed === 1 ? "" : "s"}
            </Badge>
            {r.approvalExpiresAt ? (
              <span className={`text-xs ${expired ? "font-medium text-red-700 dark:text-red-400" : muted}`}>
                {expired ? "expired " : "expires "}
                <Timestamp date={r.approvalExpiresAt} now={now} relative />
              </span>
            ) : (
              <span className={`text-xs ${muted}`}>no expiry</span>
            )}
          </div>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            {r.repository} <Mono small>{r.branch}</Mono>
          </p>
          <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_minmax(0,1fr)]">
            <dt className={muted}>Commit</dt>
            <dd className="min-w-0">
              <Link href={`/builds/${r.release.buildId}`} className="link" title={r.release.commitSha}>
                <Mono className="text-inherit!">{shortSha(r.release.commitSha)}</Mono>
              </Link>
              {message ? <span className="text-zinc-800 dark:text-zinc-200"> {message}</span> : null}
              {r.release.pushedBy || r.release.commitAuthor ? (
                <span className={`block text-xs ${muted}`}>{r.release.pushedBy ? `pushed by ${r.release.pushedBy}` : `by ${r.release.commitAuthor}`}</span>
              ) : null}
            </dd>
            <dt className={muted}>Image</dt>
            <dd className="min-w-0 break-all">
              {image ? <Mono small>{image}</Mono> : null}
              {r.release.digest ? (
                <Mono small title={r.release.digest} className="block text-zinc-500! dark:text-zinc-400!">
                  {shortDigest(r.release.digest)}
                </Mono>
              ) : null}
            </dd>
            <dt className={muted}>Requested</dt>
            <dd>
              {deploymentTriggerWords[r.trigger] ?? r.trigger}
              {r.requestedBy ? ` by ${r.requestedBy}` : ""} · <Timestamp date={r.createdAt} now={now} relative />
            </dd>
            {r.approvers.length ? (
              <>
                <dt className={muted}>Approved by</dt>
                <dd>{r.approvers.join(", ")}</dd>
              </>
            ) : null}
          </dl>
          <p className="mt-3 text-sm">
            <Link href={`/deployments/${r.id}`} className="link">
              Open the deployment →
            </Link>
          </p>
        </div>
        {canDecide ? (
          <div className="min-w-0 border-t border-zinc-200 pt-4 xl:border-l xl:border-t-0 xl:pl-5 xl:pt-0 dark:border-zinc-800">
            {expired ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">The approval window closed; it can no longer be approved. Deploy the release again from the target&apos;s page if it is still wanted.</p>
            ) : (
              <DecisionForm action={action} deploymentId={r.id} targetName={r.target.name} compact />
            )}
          </div>
        ) : null}
      </div>
    </li>
  );
}
