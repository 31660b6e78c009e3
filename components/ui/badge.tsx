// A small coloured label. The words carry the meaning; colour and the dot only help scanning.
import type { ReactNode } from "react";

export type BadgeTone =
  | "zinc"
  | "sky"
  | "blue"
  | "indigo"
  | "cyan"
  | "emerald"
  | "red"
  | "amber"
  | "orange"
  | "violet"
  | "rose"
  | "outline";

const toneClasses: Record<BadgeTone, { box: string; dot: string }> = {
  zinc: { box: "border-zinc-300 bg-zinc-100 text-zinc-700 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-300", dot: "bg-zinc-400" },
  sky: { box: "border-sky-200 bg-sky-50 text-sky-800 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-300", dot: "bg-sky-500" },
  blue: { box: "border-blue-200 bg-blue-50 text-blue-800 dark:border-blue-800 dark:bg-blue-950 dark:text-blue-300", dot: "bg-blue-500" },
  indigo: { box: "border-indigo-200 bg-indigo-50 text-indigo-800 dark:border-indigo-800 dark:bg-indigo-950 dark:text-indigo-300", dot: "bg-indigo-500" },
  cyan: { box: "border-cyan-200 bg-cyan-50 text-cyan-800 dark:border-cyan-800 dark:bg-cyan-950 dark:text-cyan-300", dot: "bg-cyan-500" },
  emerald: { box: "border-emerald-200 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-300", dot: "bg-emerald-500" },
  red: { box: "border-red-200 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-300", dot: "bg-red-500" },
  amber: { box: "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-300", dot: "bg-amber-500" },
  orange: { box: "border-orange-200 bg-orange-50 text-orange-800 dark:border-orange-800 dark:bg-orange-950 dark:text-orange-300", dot: "bg-orange-500" },
  violet: { box: "border-violet-200 bg-violet-50 text-violet-800 dark:border-violet-800 dark:bg-violet-950 dark:text-violet-300", dot: "bg-violet-400" },
  rose: { box: "border-rose-200 bg-rose-50 text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-300", dot: "bg-rose-500" },
  outline: { box: "border-dashed border-zinc-400 bg-transparent text-zinc-600 dark:border-zinc-500 dark:text-zinc-400", dot: "bg-transparent ring-1 ring-inset ring-zinc-400" },
};

export function Badge({
  tone,
  children,
  dot = true,
  pulse = false,
  title,
}: {
  tone: BadgeTone;
  children: ReactNode;
  dot?: boolean;
  /** a state in progress */
  pulse?: boolean;
  title?: string;
}) {
  const t = toneClasses[tone];
  return (
    <span
      title={title}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium leading-4 ${t.box}`}
    >
      {dot ? <span aria-hidden="true" className={`size-1.5 shrink-0 rounded-full ${t.dot} ${pulse ? "motion-safe:animate-pulse" : ""}`} /> : null}
      {children}
    </span>
  );
}
