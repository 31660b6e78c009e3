// yaml-alias-bomb: a slipway.yml whose aliases expand to billions of values, or that nests deeper than any
// inventory does, is refused in words with where it is (path, line, column): by the service (a 400 from the
// console, not a 500), and by the command line (exit 1, no stack trace). Nothing is written.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { previewImport, importInventory } from "@/lib/services/inventory/config";
import { ValidationError } from "@/lib/errors";
import { readYaml } from "@/lib/config/yaml";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { runScript } from "@/test/helpers/spawn";

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
});

// nine levels of nine aliases each: 9^9 (387 million) strings from 81 aliases in 600 bytes
const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
  .concat("bcdefghi".split("").map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`))
  .join("\n");
const deep = `repos:\n  - repo: a/b\n    builds: ${"[".repeat(5000)}${"]".repeat(5000)}\n`;
const deepBlock = `repos:\n${Array.from({ length: 80 }, (_, i) => `${"  ".repeat(i + 1)}- `).join("\n")}x\n`;

async function refusal(text: string): Promise<ValidationError> {
  const err = await previewImport(actorFor(admin), text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  const again = await importInventory(actorFor(admin), text).catch((e: unknown) => e);
  expect(again).toBeInstanceOf(ValidationError);
  expect(await getDb().repository.count()).toBe(0);
  return err as ValidationError;
}

describe("yaml-alias-bomb", () => {
  test("an alias bomb is refused with the alias's path, line and column", async () => {
    const err = await refusal(bomb);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.message).toMatch(/aliases expand to more than 200,000 values/);
    expect(err.issues[0]).toMatchObject({ path: "i[0]", line: 9, column: 8 }); // the alias that stands for the most;
  });

  test("deep nesting, in flow or block style, is refused with its line and column, quickly", async () => {
    for (const [text, line] of [[deep, 3], [deepBlock, 64]] as const) {
      const started = process.hrtime.bigint();
      const err = await refusal(text);
      expect(err.issues[0]!.message).toMatch(/nested more than 64 levels deep/);
      expect(err.issues[0]!.line).toBe(line);
      // bounded before the parser builds anything: far below the seconds a 2 MiB nest took
      expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(20);
    }
  });

  test("more aliases than any slipway.yml needs are refused at the first one over the limit", () => {
    const many = `x: &x 1\nl: [${Array(101).fill("*x").join(", ")}]\n`;
    const r = readYaml(many);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ line: 2, message: expect.stringMatching(/more than 100 aliases/) });
  });

  test("a file with a few anchors and aliases still reads", () => {
    const r = readYaml("defaults: &d { port: 2222 }\nhosts:\n  - { name: a, address: a.example.org, port: *d }\n");
    expect(r.ok).toBe(true);
  });

  test("the command line answers the bomb in words, exit 1, without a stack trace", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-bomb-"));
    const file = path.join(dir, "slipway.yml");
    writeFileSync(file, bomb);
    const r = await runScript("scripts/slipway.ts", ["import", file, "--dry-run"], { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: "silent" }, 60_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("i[0] (line 9, column 8): YAML: aliases expand to more than 200,000 values");
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });
});
