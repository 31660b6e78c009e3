// scripts/slipway.ts (npm run slipway): import with --dry-run writes nothing, import applies, export prints the
// inventory; an invalid file exits 1 listing every problem with its path; a bad command line exits 64.
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { runScript } from "@/test/helpers/spawn";

const env = () => ({ DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: "silent" });

test("dry run, import, export and refusals from the command line", async () => {
  const dry = await runScript("scripts/slipway.ts", ["import", "examples/ocurrent-deployer.yml", "--dry-run"], env(), 60_000);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain("+ target ci3/infra_deployer");
  expect(dry.stdout).toMatch(/dry run: \d+ to create, 0 to change, 0 to delete; nothing was written/);
  expect(await getDb().repository.count()).toBe(0);

  const applied = await runScript("scripts/slipway.ts", ["import", "examples/ocurrent-deployer.yml"], env(), 60_000);
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toMatch(/applied: \d+ created/);
  expect(await getDb().repository.count()).toBe(22);

  const exported = await runScript("scripts/slipway.ts", ["export"], env(), 60_000);
  expect(exported.code, exported.stderr).toBe(0);
  expect(exported.stdout).toContain("repo: mirage/mirage-www");

  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-cli-"));
  const bad = path.join(dir, "bad.yml");
  writeFileSync(bad, "hosts: [{ name: h, address: 'bad host', port: 0 }]\n");
  const refused = await runScript("scripts/slipway.ts", ["import", bad], env(), 60_000);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("nothing was written");
  expect(refused.stderr).toContain("hosts[0].address");
  expect(refused.stderr).toContain("hosts[0].port");
  expect(await getDb().host.count({ where: { name: "h" } })).toBe(0);

  const usage = await runScript("scripts/slipway.ts", ["frobnicate"], env(), 30_000);
  expect(usage.code).toBe(64);
  expect(usage.stderr).toContain("usage:");
}, 240_000); // five runs of the command, each a new node process with tsx: minutes on a loaded machine
