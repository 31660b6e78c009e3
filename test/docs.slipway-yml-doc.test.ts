// slipway-yml-doc: docs/slipway-yml.md documents every key slipway.yml accepts, and documents no key that
// does not exist, as read from the zod schema itself; its example is examples/ocurrent-deployer.yml and
// passes validation. A key added to (or removed from) the schema without the doc fails here.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { slipwayYmlKeyPaths } from "@/lib/config/schema-keys";
import { readYaml } from "@/lib/config/yaml";
import { checkDocument } from "@/lib/config/check";

const doc = readFileSync("docs/slipway-yml.md", "utf8");
/** the key paths of the doc's tables: rows that start with | `path` | */
const documented = [...doc.matchAll(/^\| `([a-z_][a-z_.[\]]*)` \|/gm)].map((m) => m[1]!);

describe("slipway-yml-doc", () => {
  test("the schema has the keys the test knows to look for (the walk reaches the targets' restart keys)", () => {
    const keys = slipwayYmlKeyPaths();
    expect(keys).toContain("repos[].builds[].deploy[].targets[].restart.argv");
    expect(keys).toContain("repos[].builds[].deploy[].approval.expires_after");
    expect(keys.length).toBeGreaterThan(80);
  });

  test("every key of the schema is documented, once", () => {
    const missing = slipwayYmlKeyPaths().filter((k) => !documented.includes(k));
    expect(missing, "add these keys to docs/slipway-yml.md").toEqual([]);
    expect(documented.filter((k, i) => documented.indexOf(k) !== i)).toEqual([]);
  });

  test("every documented key exists in the schema", () => {
    const keys = new Set(slipwayYmlKeyPaths());
    expect(documented.filter((k) => !keys.has(k)), "these keys are documented but slipway.yml refuses them").toEqual([]);
  });

  test("every documented row gives a type, a default and its rules", () => {
    const rows = doc.split("\n").filter((l) => /^\| `[a-z_][a-z_.[\]]*` \|/.test(l));
    for (const row of rows) expect(row.split("|").length, row).toBe(6);
  });

  test("the example is ocurrent-deployer's whole pipeline, the same as examples/ocurrent-deployer.yml, and valid", () => {
    const example = /## The example[^\n]*\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBe(readFileSync("examples/ocurrent-deployer.yml", "utf8"));
    const y = readYaml(example!);
    expect(y.ok).toBe(true);
    const checked = y.ok ? checkDocument(y.value, y.locate) : null;
    expect(checked?.ok, JSON.stringify(checked && !checked.ok ? checked.issues : [])).toBe(true);
    for (const service of ["ocaml/ocaml.org", "ocurrent/docs-ci", "tarides/tarides.com", "mirage/mirage-www", "ocurrent/ocurrent-deployer"]) expect(example).toContain(`repo: ${service}`);
  });

  test("the README links it", () => {
    expect(readFileSync("README.md", "utf8")).toContain("(docs/slipway-yml.md)");
  });
});
