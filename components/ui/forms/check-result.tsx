// The outcome of a check (test connection, test login, test a docker context): a coloured sentence.
import type { ReactNode } from "react";
import { Timestamp } from "@/components/ui/timestamp";

export type CheckTone = "ok" | "warning" | "error";

const tones: Record<CheckTone, string> = {
  ok: "border-emerald-200 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100",
  warning: "border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-700/70 dark:bg-amber-950/60 dark:text-amber-100",
  error: "border-red-300 bg-red-50 text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100",
};

const words: Record<CheckTone, string> = { ok: "Worked", warning: "Needs attention", error: "Failed" };

export function CheckResult({ tone, children, role = "status" }: { tone: CheckTone; children: ReactNode; role?: "status" | "alert" }) {
  return (
    <div role={role} className={`rounded-md border px-3 py-2 text-sm break-words ${tones[tone]}`}>
      <span className="sr-only">{words[tone]}: </span>
      {children}
    </div>
  );
}

/** "Last test 3 min ago: <sentence>", or "Never tested". */
export function LastCheck({ at, message, tone, now, what = "test" }: { at: Date | null; message: string | null; tone: CheckTone; now: Date; what?: string }) {
  if (!at) return <p className="text-sm text-zinc-500 dark:text-zinc-400">Never {what === "test" ? "tested" : "checked"}.</p>;
  return (
    <div className="space-y-1.5">
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Last {what} <Timestamp date={at} now={now} relative />
      </p>
      {message ? <CheckResult tone={tone}>{message}</CheckResult> : null}
    </div>
  );
}
