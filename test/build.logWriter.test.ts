// lib/build/log-writer.ts + log-store.ts: the build log is stored masked, in order, gzip-compressed, and a
// secret split across two writes of the daemon's stream is still masked.
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { BuildLogWriter, maskText, maskValues } from "@/lib/build/log-writer";
import { readBuildLog } from "@/lib/build/log-store";

let buildId: string;

beforeAll(async () => {
  const repo = await getDb().repository.create({ data: { name: "log/test", provider: "git", url: "https://git.example.org/x.git" } });
  const rule = await getDb().buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const commit = await getDb().commit.create({ data: { repositoryId: repo.id, sha: "a".repeat(40) } });
  buildId = (await getDb().build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "manual" } })).id;
});

describe("BuildLogWriter", () => {
  test("masks secrets, also split across writes and line by line for multi-line values; stores gzip chunks in order", async () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END KEY-----";
    const w = await BuildLogWriter.open(buildId, ["hunter2-very-secret", pem]);
    w.write("token is hunter2-ve");
    w.write("ry-secret, ok\n");
    w.write("key line: MIIBOgIBAAJBAKj34GkxFhD9\n");
    w.line("short values like abc are not masked");
    w.addSecrets(["ghs_installation_token_123"]);
    await w.flush();
    w.write("git says ghs_installation_token_123 and no newline at the end");
    await w.close();
    const chunks = await readBuildLog(buildId);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    const text = chunks.map((c) => c.text).join("");
    expect(text).toBe("token is ***, ok\nkey line: ***\nshort values like abc are not masked\ngit says *** and no newline at the end\n");
    expect(w.mask("push refused for hunter2-very-secret")).toBe("push refused for ***");
    const rows = await getDb().buildLogChunk.findMany({ where: { buildId }, orderBy: { seq: "asc" } });
    expect(gunzipSync(Buffer.from(rows[0]!.data)).toString()).toBe(chunks[0]!.text);
    expect((await getDb().build.findUniqueOrThrow({ where: { id: buildId } })).logBytes).toBe(Buffer.byteLength(text));
    // a second writer (a re-queued build) continues the numbering
    const again = await BuildLogWriter.open(buildId, []);
    again.line("==> re-queued");
    await again.close();
    expect((await readBuildLog(buildId, 1)).map((c) => [c.seq, c.text])).toEqual([[2, "==> re-queued\n"]]);
  });

  test("the longest value is masked first, so one secret containing another is hidden whole", () => {
    const values = maskValues(["abcd", "xxabcdyy"]);
    expect(maskText("say xxabcdyy and abcd", values)).toBe("say *** and ***");
  });
});
