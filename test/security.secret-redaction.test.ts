// Security regression: secret values never reach the logs, and session tokens are never stored as they are.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { devLogin } from "@/lib/services/auth";
import { slipwayAdapter } from "@/lib/auth/adapter";
import { newSessionToken } from "@/lib/auth/tokens";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { createUser, testMeta } from "@/test/helpers/fixtures";
import { withClient } from "@/test/helpers/pg";
import { runScript } from "@/test/helpers/spawn";

describe("log redaction (lib/log.ts)", () => {
  test.each(["json", "pretty"])("secret values never appear in %s log output, whatever the shape or depth", async (format) => {
    const r = await runScript("test/fixtures/log-secrets.ts", [], { LOG_LEVEL: "info", SLIPWAY_LOG_FORMAT: format });
    expect(r.code, r.stderr).toBe(0);
    const output = r.stdout + r.stderr;
    expect(output.split("\n").filter((l) => l.includes("SECRET-"))).toEqual([]);
    // the logger did write, and redacted rather than dropped
    expect(output).toContain("[redacted]");
    expect(output).toContain("nothing secret");
    expect(output).toContain("connection failed");
    expect(output).toContain("octo/app");
    if (format === "json") {
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(10);
      expect(lines[1]).toMatchObject({ user: { login: "alice", password: "[redacted]" } });
      expect(lines[5]).toMatchObject({ registries: [{ url: "127.0.0.1:5000", password: "[redacted]" }, [{ token: "[redacted]" }]] });
      expect(lines[7]).toMatchObject({ err: { type: "Error", message: "connection failed", password: "[redacted]", config: { password: "[redacted]" } } });
      expect(lines[9]).toMatchObject({ login: "alice", repository: "octo/app", count: 3 });
    }
  });
});

describe("session tokens are stored only as their SHA-256", () => {
  /** Every row of every table of the database, as text. */
  async function wholeDatabaseText(): Promise<string> {
    return withClient(process.env.DATABASE_URL!, async (c) => {
      const tables = (await c.query<{ t: string }>(`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => r.t);
      let text = "";
      for (const t of tables) text += (await c.query(`SELECT coalesce(string_agg(row_to_json(x)::text, E'\\n'), '') AS s FROM ${t} x`)).rows[0].s;
      return text;
    });
  }

  test("the development login: the cookie value is nowhere in the database, its hash is", async () => {
    const { sessionToken } = await devLogin({ login: "token-check", role: "viewer" }, { enabled: true, sessionDays: 1, meta: testMeta });
    const text = await wholeDatabaseText();
    expect(text).not.toContain(sessionToken);
    expect(text).toContain(createHash("sha256").update(sessionToken).digest("hex"));
  });

  test("the next-auth adapter (GitHub sign-in): stores the hash, finds the session by the token only", async () => {
    const user = await createUser("operator");
    const adapter = slipwayAdapter();
    const sessionToken = newSessionToken();
    const expires = new Date(Date.now() + 3_600_000);
    expect(await adapter.createSession!({ sessionToken, userId: user.id, expires })).toEqual({ sessionToken, userId: user.id, expires });

    const stored = await getDb().session.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.tokenHash).toBe(createHash("sha256").update(sessionToken).digest("hex"));
    expect(await wholeDatabaseText()).not.toContain(sessionToken);

    expect(await adapter.getSessionAndUser!(sessionToken)).toMatchObject({ session: { sessionToken, userId: user.id }, user: { id: user.id, role: "operator" } });
    // someone who read the database has only hashes: they sign nobody in
    expect(await adapter.getSessionAndUser!(stored.tokenHash)).toBeNull();
    expect(await sessionUserByToken(stored.tokenHash)).toBeNull();

    await adapter.deleteSession!(sessionToken);
    expect(await getDb().session.count({ where: { userId: user.id } })).toBe(0);
  });
});
