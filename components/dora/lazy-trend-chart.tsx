"use client";
// The DORA page's chart frame: its size and its accessible name (every week's value in words) are in the
// page's HTML at once; recharts (about 120 kB gzipped) loads after the page, in its own chunk, so the DORA
// page's first load stays under the console's 250 kB of JavaScript.
import dynamic from "next/dynamic";
import { formatTrendValue } from "@/components/format/dora";
import type { TrendChartProps } from "@/components/dora/trend-chart";

export type { TrendPoint } from "@/components/dora/trend-chart";

const Chart = dynamic(() => import("@/components/dora/trend-chart"), { ssr: false });

export function TrendChart(props: TrendChartProps) {
  const label = `${props.title}, week by week: ${props.points.map((p) => `week of ${p.label}: ${formatTrendValue(p.value, props.unit)}`).join("; ")}`;
  return (
    <div role="img" aria-label={label} className="h-36 w-full" data-testid="dora-chart">
      <Chart {...props} />
    </div>
  );
}
