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

// The tones' colours are classes in app/globals.css (tone-*), one short name each: a list repeats them per row.
const dotClasses: Record<BadgeTone, string> = {
  zinc: "bg-zinc-400",
  sky: "bg-sky-500",
  blue: "bg-blue-500",
  indigo: "bg-indigo-500",
  cyan: "bg-cyan-500",
  emerald: "bg-emerald-500",
  red: "bg-red-500",
  amber: "bg-amber-500",
  orange: "bg-orange-500",
  violet: "bg-violet-400",
  rose: "bg-rose-500",
  outline: "bg-transparent ring-1 ring-inset ring-zinc-400",
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
  return (
    <span {...(title ? { title } : {})} className={`badge tone-${tone}`}>
      {dot ? <span aria-hidden="true" className={`badge-dot ${dotClasses[tone]}${pulse ? " motion-safe:animate-pulse" : ""}`} /> : null}
      {children}
    </span>
  );
}
