// Slipway's mark (a hull on its ramp) and name. The same drawing is public/slipway.svg.

export function LogoMark({ className = "size-7" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" className="fill-sky-600 dark:fill-sky-500" />
      <path d="M5 24.5 27 13" stroke="white" strokeWidth="2.2" strokeLinecap="round" fill="none" />
      <path d="M9.5 18.2 21 12.3l1.6 3.2-9.7 5z" fill="white" />
      <path d="M5 27.5c2 0 2-1.2 4-1.2s2 1.2 4 1.2 2-1.2 4-1.2 2 1.2 4 1.2 2-1.2 4-1.2" stroke="white" strokeOpacity=".7" strokeWidth="1.5" strokeLinecap="round" fill="none" />
    </svg>
  );
}

export function Logo() {
  return (
    <span className="inline-flex items-center gap-2.5">
      <LogoMark />
      <span className="text-lg font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">Slipway</span>
    </span>
  );
}
