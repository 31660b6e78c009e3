// The Audit list's bounded preview (components/audit/change-preview.tsx): only what differs, at most
// PREVIEW_FIELDS fields of at most PREVIEW_CHARS characters each, and how many more there are.
import { describe, expect, it } from "vitest";
import { changePreview, PREVIEW_CHARS, PREVIEW_FIELDS } from "@/components/audit/change-preview";

describe("changePreview", () => {
  it("shows only the fields that differ when both sides are recorded", () => {
    const p = changePreview({ name: "web", monitor: "10s", health: { url: "https://x/healthz" } }, { name: "web", monitor: "30s", health: { url: "https://x/healthz" } });
    expect(p).toEqual({ rows: [{ field: "monitor", before: "10s", after: "30s" }], more: 0, cut: false });
  });

  it("shows every field of something created, and counts those beyond the bound", () => {
    const after = Object.fromEntries(Array.from({ length: PREVIEW_FIELDS + 3 }, (_, i) => [`f${i}`, i]));
    const p = changePreview(null, after);
    expect(p.rows).toHaveLength(PREVIEW_FIELDS);
    expect(p.rows[0]).toEqual({ field: "f0", before: undefined, after: "0" });
    expect(p.more).toBe(3);
  });

  it("cuts long values, never in the middle of a character, and says so", () => {
    const long = "é".repeat(PREVIEW_CHARS - 1) + "😀".repeat(10);
    const p = changePreview({ v: "short" }, { v: long });
    const shown = p.rows[0]!.after!;
    expect(Array.from(shown)).toHaveLength(PREVIEW_CHARS);
    expect(shown.endsWith("…")).toBe(true);
    expect(shown).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(p.cut).toBe(true);
  });

  it("shows nested values and non-records as JSON text", () => {
    expect(changePreview({ keys: ["a"] }, { keys: ["a", "b"] }).rows).toEqual([{ field: "keys", before: '["a"]', after: '["a","b"]' }]);
    expect(changePreview(null, ["x", 1]).rows).toEqual([{ field: "value", before: undefined, after: '["x",1]' }]);
    expect(changePreview(null, null)).toEqual({ rows: [], more: 0, cut: false });
  });
});
