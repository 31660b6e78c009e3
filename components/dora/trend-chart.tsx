"use client";
// One DORA figure week by week, drawn with recharts: bars for counts and rates, a line for times. Loaded
// after the page (components/dora/lazy-trend-chart.tsx), which also gives it its frame and accessible name.
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatTrendValue, type TrendUnit } from "@/components/format/dora";

export interface TrendPoint {
  /** "2 Nov" */
  label: string;
  value: number | null;
}

/** Axis ticks for times: hours or days, short. */
function tick(v: number, unit: TrendUnit): string {
  if (unit === "percent") return `${Math.round(v * 100)}%`;
  if (unit === "seconds") return v >= 86_400 ? `${Math.round((v / 86_400) * 10) / 10}d` : v >= 3600 ? `${Math.round((v / 3600) * 10) / 10}h` : `${Math.round(v / 60)}m`;
  return String(v);
}

const COLOR = "#0284c7";

export interface TrendChartProps {
  title: string;
  points: TrendPoint[];
  unit: TrendUnit;
  kind: "bar" | "line";
}

export default function TrendChart({ title, points, unit, kind }: TrendChartProps) {
  const axis = { fontSize: 11, fill: "#71717a" };
  const common = { data: points, margin: { top: 6, right: 8, bottom: 0, left: 0 } };
  const tooltip = <Tooltip formatter={(v) => [formatTrendValue(typeof v === "number" ? v : null, unit), title]} labelFormatter={(l) => `Week of ${String(l)}`} />;
  return (
    <ResponsiveContainer width="100%" height="100%">
        {kind === "bar" ? (
          <BarChart {...common}>
            <CartesianGrid vertical={false} stroke="#e4e4e7" />
            <XAxis dataKey="label" tick={axis} tickLine={false} axisLine={false} />
            <YAxis tick={axis} tickLine={false} axisLine={false} width={40} tickFormatter={(v: number) => tick(v, unit)} allowDecimals={unit !== "count"} domain={unit === "percent" ? [0, 1] : [0, "auto"]} />
            {tooltip}
            <Bar dataKey="value" fill={COLOR} radius={[3, 3, 0, 0]} isAnimationActive={false} />
          </BarChart>
        ) : (
          <LineChart {...common}>
            <CartesianGrid vertical={false} stroke="#e4e4e7" />
            <XAxis dataKey="label" tick={axis} tickLine={false} axisLine={false} />
            <YAxis tick={axis} tickLine={false} axisLine={false} width={40} tickFormatter={(v: number) => tick(v, unit)} />
            {tooltip}
            <Line type="monotone" dataKey="value" stroke={COLOR} strokeWidth={2} dot={{ r: 3 }} connectNulls isAnimationActive={false} />
          </LineChart>
        )}
    </ResponsiveContainer>
  );
}
