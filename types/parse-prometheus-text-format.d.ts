// parse-prometheus-text-format ships no types: its output, as its README shows it (prom2json's shape).
declare module "parse-prometheus-text-format" {
  export interface PromSample {
    labels?: Record<string, string>;
    /** gauges, counters, untyped */
    value?: string;
    /** histograms: upper bound ("0.5", "+Inf") → cumulative count */
    buckets?: Record<string, string>;
    /** summaries: quantile → value */
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface PromFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: PromSample[];
  }
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
