// What each state means: a disclosure next to a list's title.
import { Badge, type BadgeTone } from "@/components/ui/badge";

export function StateLegend({ title, states }: { title: string; states: Record<string, { label: string; tone: BadgeTone; active?: boolean; help: string }> }) {
  return (
    <details className="group relative">
      <summary className="btn-secondary list-none [&::-webkit-details-marker]:hidden">
        {title}
        <svg viewBox="0 0 16 16" aria-hidden="true" className="size-4 text-zinc-400 transition-transform group-open:rotate-180">
          <path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </summary>
      <div className="absolute right-0 z-20 mt-2 w-96 rounded-lg border border-zinc-200 bg-white p-3 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
        <dl className="space-y-2 text-sm">
          {Object.entries(states).map(([key, s]) => (
            <div key={key} className="flex items-start gap-3">
              <dt className="w-36 shrink-0">
                <Badge tone={s.tone} pulse={s.active}>
                  {s.label}
                </Badge>
              </dt>
              <dd className="text-zinc-600 dark:text-zinc-400">{s.help}</dd>
            </div>
          ))}
        </dl>
      </div>
    </details>
  );
}
