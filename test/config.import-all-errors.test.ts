// import-all-errors: an invalid slipway.yml is answered with every problem at once (the field errors and the
// whole-document rules together, not one pass after another), each with its path and its line and column,
// from the service, the command line and the console's import route alike; nothing is written.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { importInventory, previewImport } from "@/lib/services/inventory/config";
import { ValidationError } from "@/lib/errors";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { runScript } from "@/test/helpers/spawn";

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
});

// Ten problems of three kinds: field errors (zod), references that do not resolve, and kinds that do not fit.
// Before, the field errors hid the rest: a user fixed them and was then told of the others.
const file = `apps:
  - name: tarides
hosts:
  - name: toxis
    address: "bad host"
    port: 0
docker_contexts:
  - { name: toxis, endpoint: "ssh://root@toxis.example.org" }
repos:
  - repo: ocurrent/x
    app: tarides
    builds:
      - dockerfile: ../Dockerfile
        deploy:
          - branch: live
            image: ocurrent/x:live
            registry: ghcr
            targets:
              - { context: nowhere, service: s, keep: 3 }
              - { host: toxis, service: www }
  - repo: infra/status
    poll_interval: 5s
    builds:
      - build_secrets: [npm-token]
  - repo: ocurrent/y
    app: nope
`;

const expected: Array<[string, RegExp, number, number]> = [
  ["hosts[0].address", /host name/, 5, 14],
  ["hosts[0].port", /at least 1/, 6, 11],
  ["repos[0].builds[0].dockerfile", /inside the repository/, 13, 21],
  ["repos[0].builds[0].deploy[0].targets[0].keep", /unikernel target on a host/, 19, 55],
  ["repos[1].poll_interval", /./, 22, 20],
  ["repos[1].url", /git URL/, 21, 5],
  // the whole-document rules, over the entries that parsed
  ["repos[0].builds[0].deploy[0].registry", /no registry named 'ghcr'/, 17, 23],
  ["repos[0].builds[0].deploy[0].targets[0].context", /no docker context named 'nowhere'/, 19, 28],
  ["repos[0].builds[0].deploy[0].targets[1].host", /docker build deploys to a docker context/, 20, 25],
  ["repos[1].builds[0].build_secrets[0]", /no secret 'npm-token'/, 24, 25],
  ["repos[2].app", /no app named 'nope'/, 26, 10],
];

function expectEveryProblem(issues: Array<{ path: string; message: string; line?: number; column?: number }>) {
  for (const [p, message] of expected) {
    expect(issues.find((i) => i.path === p && message.test(i.message)), `${p} ${message} in ${JSON.stringify(issues, null, 1)}`).toBeDefined();
  }
}

describe("import-all-errors", () => {
  test("the service lists every problem of the file in one answer, each with its line and column", async () => {
    for (const run of [() => previewImport(actorFor(admin), file), () => importInventory(actorFor(admin), file)]) {
      const err = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      const issues = (err as ValidationError).issues;
      expectEveryProblem(issues);
      for (const [p, message, line, column] of expected) {
        const issue = issues.find((i) => i.path === p && message.test(i.message))!;
        expect([p, issue.line, issue.column]).toEqual([p, line, column]);
      }
    }
    expect(await getDb().repository.count()).toBe(0);
    expect(await getDb().host.count()).toBe(0);
  });

  test("a reference to an entry that is there but invalid is not reported as missing", async () => {
    const text = `hosts: [{ name: toxis, address: "bad host" }]
repos:
  - repo: mirage/www
    url: https://example.org/www.git
    builds:
      - { kind: unikernel, target: hvt, deploy: [{ branch: main, image: "r/x:live", targets: [{ host: toxis, service: www }] }] }
`;
    const err = (await previewImport(actorFor(admin), text).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues.map((i) => i.path)).toEqual(["hosts[0].address"]);
  });

  test("the command line prints every problem with its path, line and column", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-all-errors-"));
    const bad = path.join(dir, "slipway.yml");
    writeFileSync(bad, file);
    const r = await runScript("scripts/slipway.ts", ["import", bad, "--dry-run"], { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: "silent" }, 60_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("nothing was written");
    for (const [p, , line, column] of expected) expect(r.stderr).toContain(`${p} (line ${line}, column ${column}): `);
  });
});
