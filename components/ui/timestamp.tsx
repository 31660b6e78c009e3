"use client";
// A point in time: UTC text (or "3 min ago"), with the exact UTC and the viewer's local time in a tooltip.
// The local time exists only in the browser, so it is added after hydration (no mismatch, no layout shift).
import { useSyncExternalStore } from "react";
import { formatLocal, formatRelative, formatUtc } from "@/components/format/time";

const noSubscription = () => () => {};

export function Timestamp({
  date,
  now,
  relative = false,
  seconds = false,
  className,
}: {
  date: Date;
  /** the server's "now" for relative text, so server and browser render the same words */
  now?: Date;
  relative?: boolean;
  seconds?: boolean;
  className?: string;
}) {
  const local = useSyncExternalStore(
    noSubscription,
    () => formatLocal(date),
    () => null,
  );
  const utc = formatUtc(date, { seconds: seconds || relative });
  const text = relative && now ? formatRelative(date, now) : formatUtc(date, { seconds });
  const title = [relative ? utc : null, local ? `Local time: ${local}` : null].filter(Boolean).join("\n");
  return (
    <time dateTime={date.toISOString()} title={title || undefined} className={className}>
      {text}
    </time>
  );
}
