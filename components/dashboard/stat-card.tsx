// One number on the dashboard, linking to the list it counts.
import Link from "next/link";

export function StatCard({
  label,
  value,
  href,
  detail,
  tone = "plain",
}: {
  label: string;
  value: number;
  href: string;
  detail?: string;
  tone?: "plain" | "attention";
}) {
  const frame =
    tone === "attention"
      ? "border-amber-300 bg-amber-50 hover:border-amber-400 dark:border-amber-700 dark:bg-amber-950/40 dark:hover:border-amber-500"
      : "border-zinc-200 bg-white hover:border-zinc-300 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-zinc-600";
  return (
    <Link href={href} className={`block rounded-lg border p-4 transition-colors ${frame}`}>
      <span className="block text-sm font-medium text-zinc-600 dark:text-zinc-400">{label}</span>
      <span className="mt-1 block text-3xl font-semibold tabular-nums text-zinc-900 dark:text-zinc-50">{value.toLocaleString("en")}</span>
      <span className="mt-1 block truncate text-xs text-zinc-500 dark:text-zinc-400">{detail ?? "\u00a0"}</span>
    </Link>
  );
}
