// Security regression (secret leaks): values typed into the inventory (secrets, registry passwords, GitHub
// App keys and webhook secrets, Slack URLs) and the deployer's private key never appear in the database as
// plaintext, in what the commands return, in the slipway.yml export, in the audit log, or in the logs.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { deployerCredentials } from "@/lib/services/deployer-key";
import { createUser } from "@/test/helpers/fixtures";
import { withClient } from "@/test/helpers/pg";
import { runScript } from "@/test/helpers/spawn";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";

const tag = randomBytes(4).toString("hex");
/** a real key: the console refuses a PEM that does not hold one */
const appKey = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } }).privateKey;
const values = {
  SECRET_VALUE: `PLAINTEXT-npm-${tag}`,
  APP_PRIVATE_KEY: appKey,
  WEBHOOK_SECRET: `PLAINTEXT-webhook-${tag}-0123456789`,
  SLACK_URL: `https://hooks.slack.com/services/T000/B000/PLAINTEXT-slack-${tag}`,
  REGISTRY_PASSWORD: `PLAINTEXT-registry-${tag}`,
};
let registry: TestRegistry;

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = randomBytes(32).toString("hex");
  registry = await startRegistry({ htpasswd: { username: "deployer", password: values.REGISTRY_PASSWORD } });
}, 60_000);
afterAll(async () => registry?.stop());

async function wholeDatabaseText(): Promise<string> {
  return withClient(process.env.DATABASE_URL!, async (c) => {
    const tables = (await c.query<{ t: string }>(`SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t FROM pg_tables WHERE schemaname IN ('public', 'graphile_worker')`)).rows.map((r) => r.t);
    let text = "";
    for (const t of tables) text += (await c.query(`SELECT coalesce(string_agg(row_to_json(x)::text, E'\\n'), '') AS s FROM ${t} x`)).rows[0].s;
    return text;
  });
}

test("secret values are sealed at rest and appear in no output, export, audit event or log line", async () => {
  const admin = await createUser("admin", { login: "alice" });
  const r = await runScript("test/fixtures/inventory-secrets.ts", [], {
    ...values,
    ADMIN_ID: admin.id,
    REGISTRY_URL: registry.url,
    LOG_LEVEL: "trace",
    SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY,
    DATABASE_URL: process.env.DATABASE_URL,
  }, 60_000);
  expect(r.code, r.stderr).toBe(0);
  const resultLine = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  expect(resultLine).toBeDefined();
  const result = JSON.parse(resultLine!.slice(7)) as { exported: string; results: Array<{ ok?: boolean }> };
  // the commands worked: the registry login with the right password passed, the wrong one failed
  expect(result.results[4]).toMatchObject({ ok: true });
  expect(result.results[5]).toMatchObject({ ok: false });
  expect(result.exported).toContain("name: npm-token");

  const db = await wholeDatabaseText();
  const logs = r.stdout + r.stderr;
  expect(logs).toContain("inventory secrets fixture done"); // the logger did write at trace level
  for (const [name, value] of Object.entries(values)) {
    // a line of the key's body: the PEM's header lines are the same in every key
    const needle = value.includes("PRIVATE KEY") ? value.split("\n")[1]! : value;
    expect(db, `${name} in the database`).not.toContain(needle);
    expect(logs, `${name} in the logs or results`).not.toContain(needle);
  }
  expect(db).not.toContain("PLAINTEXT-");
  expect(logs).not.toContain("PLAINTEXT-");
  // the deployer's private key is sealed too
  const { privateKey } = await deployerCredentials();
  expect(privateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
  const body = privateKey.split("\n").slice(1, 3).join("");
  expect(db).not.toContain(body);
  expect(db).not.toContain("OPENSSH PRIVATE KEY");
  // and the values are still there for the code that uses them
  const secret = await getDb().secret.findFirstOrThrow({ where: { name: "npm-token" } });
  expect(await revealSecret(secret.id)).toBe(values.SECRET_VALUE);
  const reg = await getDb().registry.findFirstOrThrow({ where: { name: "local" } });
  expect(await revealSecret(reg.passwordSecretId!)).toBe(`${values.REGISTRY_PASSWORD}-wrong`);
});
