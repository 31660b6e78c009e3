// Which builds get the build secrets (lib/build/runner.ts servesOnlyForks): a commit that only pull requests from
// forks, or from where Slipway cannot tell (seen by a poll, no webhook said), point at gets none; a commit on a
// branch, or on a pull request a webhook said is the repository's own, gets them. The fork case end to end (a
// real build whose log says the secrets are withheld) is in test/previews.pipeline.test.ts.
import { describe, expect, test } from "vitest";
import { servesOnlyForks } from "@/lib/build/runner";

const sha = "a".repeat(40);
const other = "b".repeat(40);
type Ref = { kind: "branch" | "pull_request"; headSha: string; closedAt: Date | null; prFork: boolean | null };
const build = (...refs: Ref[]) => ({ commit: { sha }, refs: refs.map((ref) => ({ ref })) });
const branch = (headSha = sha): Ref => ({ kind: "branch", headSha, closedAt: null, prFork: null });
const pr = (prFork: boolean | null, headSha = sha): Ref => ({ kind: "pull_request", headSha, closedAt: null, prFork });

describe("build secrets and pull requests", () => {
  test("a fork's pull request gets none", () => {
    expect(servesOnlyForks(build(pr(true)))).toBe(true);
  });
  test("a pull request seen only by polling (origin unknown) gets none", () => {
    expect(servesOnlyForks(build(pr(null)))).toBe(true);
    expect(servesOnlyForks(build(pr(null), pr(true)))).toBe(true);
  });
  test("a pull request a webhook said is the repository's own gets them", () => {
    expect(servesOnlyForks(build(pr(false)))).toBe(false);
    expect(servesOnlyForks(build(pr(null), pr(false)))).toBe(false);
  });
  test("a commit also on a branch is the repository's, whatever pull requests point at it", () => {
    expect(servesOnlyForks(build(branch(), pr(true)))).toBe(false);
    expect(servesOnlyForks(build(branch(), pr(null)))).toBe(false);
  });
  test("refs that moved on to another commit do not count", () => {
    expect(servesOnlyForks(build(branch(other), pr(true)))).toBe(true);
    expect(servesOnlyForks(build(pr(false, other), pr(null)))).toBe(true);
    // a build whose refs all moved on serves no one in particular: it is the repository's (a manual rebuild)
    expect(servesOnlyForks(build(branch(other)))).toBe(false);
  });
});
