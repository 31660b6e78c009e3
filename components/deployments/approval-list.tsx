// The decisions on a deployment so far: who approved or rejected it, with their comment and when.
import { Badge } from "@/components/ui/badge";
import { Timestamp } from "@/components/ui/timestamp";

export interface ApprovalView {
  login: string;
  decision: "approved" | "rejected";
  comment: string | null;
  at: Date;
}

export function ApprovalList({ approvals, now }: { approvals: ApprovalView[]; now: Date }) {
  if (!approvals.length) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No decisions yet.</p>;
  return (
    <ol aria-label="Decisions" className="space-y-3">
      {approvals.map((a) => (
        <li key={`${a.login}-${a.at.toISOString()}`} className="text-sm">
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="font-medium text-zinc-900 dark:text-zinc-100">{a.login}</span>
            <Badge tone={a.decision === "approved" ? "emerald" : "red"}>{a.decision === "approved" ? "Approved" : "Rejected"}</Badge>
            <span className="text-xs text-zinc-500 dark:text-zinc-400">
              <Timestamp date={a.at} now={now} relative />
            </span>
          </div>
          {a.comment ? <p className="mt-1 whitespace-pre-wrap break-words border-l-2 border-zinc-200 pl-3 text-zinc-700 dark:border-zinc-700 dark:text-zinc-300">{a.comment}</p> : null}
        </li>
      ))}
    </ol>
  );
}
