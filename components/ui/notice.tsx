// A banner above page content: a warning that needs action, an error in words, or a note.
import type { ReactNode } from "react";

type Tone = "warning" | "error" | "info" | "success";

const tones: Record<Tone, string> = {
  warning: "border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-700/70 dark:bg-amber-950/60 dark:text-amber-100",
  error: "border-red-300 bg-red-50 text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100",
  info: "border-sky-200 bg-sky-50 text-sky-950 dark:border-sky-800 dark:bg-sky-950/60 dark:text-sky-100",
  success: "border-emerald-200 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100",
};

const icons: Record<Tone, string> = { warning: "!", error: "×", info: "i", success: "✓" };

const iconTones: Record<Tone, string> = {
  warning: "bg-amber-500 text-white dark:bg-amber-400 dark:text-amber-950",
  error: "bg-red-600 text-white dark:bg-red-400 dark:text-red-950",
  info: "bg-sky-600 text-white dark:bg-sky-400 dark:text-sky-950",
  success: "bg-emerald-600 text-white dark:bg-emerald-400 dark:text-emerald-950",
};

export function Notice({
  tone,
  title,
  children,
  role,
  className = "",
}: {
  tone: Tone;
  title?: string;
  children?: ReactNode;
  /** "alert" for problems the reader must act on; "status" for results */
  role?: "alert" | "status";
  className?: string;
}) {
  return (
    <div role={role} className={`flex gap-3 rounded-lg border px-4 py-3 text-sm ${tones[tone]} ${className}`}>
      <span aria-hidden="true" className={`mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-bold ${iconTones[tone]}`}>
        {icons[tone]}
      </span>
      <div className="min-w-0 flex-1 space-y-1 break-words">
        {title ? <p className="font-semibold">{title}</p> : null}
        {children ? <div className="[&_code]:rounded [&_code]:bg-black/5 [&_code]:px-1 [&_code]:font-mono [&_code]:text-[0.8125rem] dark:[&_code]:bg-white/10">{children}</div> : null}
      </div>
    </div>
  );
}
