// What the target actions hand back to the page (the shape of lib/services/inventory/target-check.ts's result).

export interface TargetCheckItemView {
  name: string;
  /** "skipped": not tried, because an earlier item failed */
  outcome: "ok" | "failed" | "skipped";
  label: string;
  detail: string;
}

export interface TargetCheckView {
  target: string;
  host: string;
  ok: boolean;
  items: TargetCheckItemView[];
}
