"use client";
// How long something has taken: fixed once it ended, counting up every second while it runs. The first
// render uses the server's "now", so server and browser print the same text.
import { useEffect, useState } from "react";
import { formatDuration } from "@/components/format/time";

export function LiveDuration({ from, to, now }: { from: Date; to: Date | null; now: Date }) {
  const [current, setCurrent] = useState(now.getTime());
  useEffect(() => {
    if (to) return;
    const timer = setInterval(() => setCurrent(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [to]);
  const end = to ? to.getTime() : Math.max(current, from.getTime());
  return <span className="tabular-nums">{formatDuration(end - from.getTime())}</span>;
}
