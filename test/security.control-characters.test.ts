// Regression test for `control-characters` (issue 13, item 21): branch names were stored without git's
// ref-name rules when polled, and commit titles with raw escape characters reached pages. Polling now drops
// names a webhook would be refused for; pages show control and invisible characters as escapes
// (components/format/visible-text.ts), also for rows stored before.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { pollRepository } from "@/lib/services/polling";
import { saveRepository } from "@/lib/services/inventory/entities";
import { branchOfRef } from "@/lib/github/webhook-events";
import { branchNameProblem } from "@/lib/validation/inventory-fields";
import { visibleText } from "@/components/format/visible-text";
import { firstLine } from "@/components/format/ids";
import { RefLabel } from "@/components/lists/ref-label";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";

const CSI = "\u009b"; // the one-byte form of ESC [: git takes it in a ref name (bytes >= 0x80 are allowed)
const hostileBranches = ["-x", "--upload-pack=touch", `ma${CSI}2Jin`, "ok\u202eevil"];

describe("control-characters: polled refs follow git's ref-name rules", () => {
  let repo: BareRepo;
  let daemon: GitDaemon;
  beforeAll(async () => {
    repo = createBareRepo({ Dockerfile: "FROM scratch\n" }, { branches: ["main", ...hostileBranches], name: "odd.git" });
    daemon = await startGitDaemon(repo.root);
  });
  afterAll(async () => {
    await daemon?.stop();
    repo?.remove();
  });

  test("a branch git would not take as refs/heads/<name> (or with control characters) is not stored", async () => {
    const { id } = await saveRepository(actorFor(await createUser("admin")), { repo: "infra/odd", url: daemon.url(repo.name) });
    expect((await pollRepository(id)).ok).toBe(true);
    const names = (await getDb().ref.findMany({ where: { repositoryId: id, closedAt: null } })).map((r) => r.name).sort();
    // the right-to-left override is not a control character for git's rules: stored, and shown escaped
    expect(names).toEqual(["main", "ok\u202eevil"]);
  });

  test("the webhook side refuses the same names, C1 controls included", () => {
    for (const b of ["-x", `ma${CSI}2Jin`, "a\u001bb", "a\u0085b"]) {
      expect(branchOfRef.safeParse(b).success, JSON.stringify(b)).toBe(false);
      expect(branchNameProblem(b)).not.toBeNull();
    }
    expect(branchOfRef.safeParse("feature/x").success).toBe(true);
  });
});

describe("control-characters: pages show escapes", () => {
  test("visibleText shows C0, DEL, C1, bidi and zero-width characters as escapes and keeps the rest", () => {
    expect(visibleText("\u001b[31mred\u001b[0m")).toBe("\\x1b[31mred\\x1b[0m");
    expect(visibleText(`a${CSI}2Jb\u007f\u0000`)).toBe("a\\x9b2Jb\\x7f\\x00");
    expect(visibleText("fix \u202eevil.exe\u202c")).toBe("fix \\u202eevil.exe\\u202c");
    expect(visibleText("zero\u200bwidth\ufeff")).toBe("zero\\u200bwidth\\ufeff");
    expect(visibleText("tab\there")).toBe("tab\\x09here");
    expect(visibleText("Ünïcödé — fine ✓")).toBe("Ünïcödé — fine ✓");
    expect(visibleText(null)).toBe("");
  });

  test("a commit title stored with raw escapes (before input was checked) reaches tables escaped", () => {
    expect(firstLine("\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\nbody")).toBe("\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07");
  });

  test("a branch label renders escapes, not the raw characters", () => {
    const html = renderToStaticMarkup(createElement(RefLabel, { value: { kind: "branch", name: `ma${CSI}2Jin\u001b`, prNumber: null } }));
    expect(html).toContain("ma\\x9b2Jin\\x1b");
    expect(html).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
