// Orders the test files so that the two vitest workers finish together: the longest first, by the seconds each
// file took in the last full run (test/durations.json, refreshed by `node scripts/test-durations.mjs` after a
// full `npm test`). A clean clone has no vitest cache, so without this the files run by size and a slow one
// (the soak, the deploy pipeline) can start last and leave one worker idle for minutes. Files not in the list
// (new ones, or under 3 s) run first among equals by size, as vitest's own order does for unknown files.
import path from "node:path";
import { readFileSync } from "node:fs";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { z } from "zod";

const durations = z.record(z.string(), z.number()).parse(JSON.parse(readFileSync(path.join(import.meta.dirname, "durations.json"), "utf8")));

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byVitest = await super.sort(files);
    const rank = new Map(byVitest.map((f, i) => [f, i]));
    const seconds = (f: TestSpecification): number | undefined => durations[path.relative(f.project.config.root, f.moduleId).split(path.sep).join("/")];
    return [...byVitest].sort((a, b) => {
      const sa = seconds(a);
      const sb = seconds(b);
      if (sa === undefined && sb !== undefined) return -1;
      if (sb === undefined && sa !== undefined) return 1;
      if (sa !== undefined && sb !== undefined && sa !== sb) return sb - sa;
      return (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
    });
  }
}
