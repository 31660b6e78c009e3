// lib/build/log-writer.ts + log-store.ts: the build log is stored masked, in order, gzip-compressed, and a
// secret split across two writes of the daemon's stream is still masked.
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { BuildLogWriter, CHUNK_MAX_BYTES, HIGH_WATER_BYTES, maskText, maskValues } from "@/lib/build/log-writer";
import { readBuildLog, type LogSink } from "@/lib/build/log-store";
import { readLines } from "@/lib/build/docker";
import { eventually } from "@/test/helpers/eventually";

let buildId: string;
let ruleId: string;
let commitId: string;

beforeAll(async () => {
  const repo = await getDb().repository.create({ data: { name: "log/test", provider: "git", url: "https://git.example.org/x.git" } });
  const rule = await getDb().buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const commit = await getDb().commit.create({ data: { repositoryId: repo.id, sha: "a".repeat(40) } });
  ruleId = rule.id;
  commitId = commit.id;
  buildId = (await getDb().build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "manual" } })).id;
});

let attempt = 1;
/** another build of the same commit (the next attempt), for a test of its own */
async function newBuild(): Promise<string> {
  return (await getDb().build.create({ data: { buildRuleId: ruleId, commitId, trigger: "manual", attempt: ++attempt } })).id;
}

/** A store that takes `delayMs` per chunk, as a busy database does, and records what it got. */
function slowSink(delayMs: number) {
  const chunks: Array<{ seq: number; text: string }> = [];
  const sink: LogSink = {
    position: async () => ({ nextSeq: 0, bytes: 0, truncated: false }),
    close: async () => undefined,
    append: async (seq, bytes) => {
      // the writer reuses the bytes once this settles: decoded now, as a store reads them at once
      const text = Buffer.from(bytes).toString("utf8");
      await new Promise((r) => setTimeout(r, delayMs));
      chunks.push({ seq, text });
    },
  };
  return { sink, chunks };
}

afterEach(() => {
  delete process.env.SLIPWAY_LOG_MAX_MB;
  resetEnvCache();
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

  test("a line is stored without a flush: at once when nothing is being stored", async () => {
    const id = await newBuild();
    const w = await BuildLogWriter.open(id, []);
    w.line("tick 1");
    const chunks = await eventually("the line to be stored", async () => {
      const c = await readBuildLog(id);
      return c.length > 0 && c;
    }, 10_000, 5);
    expect(chunks.map((c) => c.text)).toEqual(["tick 1\n"]);
    await w.close();
  });

  test("a flush that stores everything before the scheduled store runs leaves the writer working (it used to spin in flush and store nothing more)", async () => {
    // a store that answers at once (no I/O): flush() is done before the store scheduled by the write runs
    const chunks: string[] = [];
    const sink: LogSink = { position: async () => ({ nextSeq: 0, bytes: 0, truncated: false }), close: async () => undefined, append: async (_seq, bytes) => void chunks.push(Buffer.from(bytes).toString("utf8")) };
    const w = await BuildLogWriter.openSink(sink, []);
    w.line("before the flush");
    await w.flush();
    await new Promise((r) => setImmediate(r)); // the scheduled store runs now, with nothing left to store
    w.line("after the flush");
    // stored by itself, as any line is (with the bug, nothing more was ever stored, and a flush never returned)
    await eventually("the line after the flush to be stored", async () => chunks.length === 2, 5_000, 5);
    await w.close();
    expect(chunks).toEqual(["before the flush\n", "after the flush\n"]);
  });

  test("while a chunk is being stored, later lines wait and go out together as the next chunk (in order)", async () => {
    const { sink, chunks } = slowSink(200);
    const w = await BuildLogWriter.openSink(sink, []);
    w.line("first");
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 100; i++) w.line(`line ${i}`);
    await w.close();
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    expect(chunks[0]!.text).toBe("first\n");
    expect(chunks[1]!.text).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(""));
  });

  test("the buffer stays bounded when the store is slow: write() says when to wait, and a daemon stream read through readLines waits", async () => {
    const { sink, chunks } = slowSink(20);
    const w = await BuildLogWriter.openSink(sink, []);
    // a direct writer that ignores nothing: write() turns false at the high-water mark
    let refused = 0;
    while (w.write(`${"y".repeat(1023)}\n`)) refused++;
    expect(w.bufferedBytes).toBeGreaterThanOrEqual(HIGH_WATER_BYTES);
    expect(w.bufferedBytes).toBeLessThan(HIGH_WATER_BYTES + 1024);
    await w.drained();
    expect(w.bufferedBytes).toBeLessThan(HIGH_WATER_BYTES);

    // 16 MiB from a daemon-like stream, 64 KiB at a time: reading pauses while the log is full
    const line = `${"z".repeat(99)}\n`;
    const piece = line.repeat(655);
    let produced = 0;
    let maxBuffered = 0;
    const daemon = Readable.from(
      (function* () {
        while (produced < 16 * 1024 * 1024) {
          produced += piece.length;
          yield piece;
        }
      })(),
    );
    await readLines(daemon, new AbortController().signal, (l) => {
      const wait = w.writeFromStream(`${l}\n`);
      maxBuffered = Math.max(maxBuffered, w.bufferedBytes);
      return wait;
    });
    await w.close();
    // bounded by the high-water mark plus what one read of the stream hands over at once
    expect(maxBuffered).toBeLessThan(HIGH_WATER_BYTES + 128 * 1024);
    const stored = chunks.map((c) => c.text).join("");
    expect(stored.length).toBe((refused + 1) * 1024 + produced);
    expect(Math.max(...chunks.map((c) => Buffer.byteLength(c.text)))).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  });

  test("SLIPWAY_LOG_MAX_MB cuts the log at whole lines, says so in the log, flags the build with the last chunk; a rerun adds nothing", async () => {
    process.env.SLIPWAY_LOG_MAX_MB = "1";
    resetEnvCache();
    const id = await newBuild();
    const w = await BuildLogWriter.open(id, []);
    const line = `${"a".repeat(999)}\n`;
    for (let i = 0; i < 1500; i++) await w.writeFromStream(line);
    await w.close();
    const text = (await readBuildLog(id, -1, 10_000)).map((c) => c.text).join("");
    const notice = "==> the log passed 1 MB (SLIPWAY_LOG_MAX_MB); the rest is not stored\n";
    expect(text.endsWith(notice)).toBe(true);
    const kept = text.slice(0, -notice.length);
    expect(kept).toBe(line.repeat(Math.floor((1024 * 1024) / line.length)));
    const row = await getDb().build.findUniqueOrThrow({ where: { id }, select: { logBytes: true, logTruncated: true } });
    expect(row).toEqual({ logBytes: Buffer.byteLength(text), logTruncated: true });

    // a re-queued build continues the same log: it is cut already
    const again = await BuildLogWriter.open(id, []);
    again.line("==> re-queued");
    await again.close();
    expect((await readBuildLog(id, -1, 10_000)).map((c) => c.text).join("")).toBe(text);
  });

  test("a log under the cap is not flagged", async () => {
    const id = await newBuild();
    const w = await BuildLogWriter.open(id, []);
    w.line("short");
    await w.close();
    expect(await getDb().build.findUniqueOrThrow({ where: { id }, select: { logTruncated: true } })).toEqual({ logTruncated: false });
  });
});

describe("BuildLogWriter when the log store's disk is full (SQLSTATE 53100)", () => {
  /** A store with room for `room` chunks; then it refuses as PostgreSQL does, until given room again. */
  function fillingSink(room: number) {
    const chunks: Array<{ seq: number; text: string; truncated: boolean }> = [];
    let closedCut: boolean | undefined;
    let calls = 0;
    const state = { room };
    const sink: LogSink = {
      position: async () => ({ nextSeq: 0, bytes: 0, truncated: false }),
      close: async (opts) => void (closedCut = opts?.cut === true),
      append: async (seq, bytes, opts) => {
        calls++;
        if (chunks.length >= state.room) {
          // the shape the pg driver gives a refused INSERT
          throw Object.assign(new Error('could not extend file "pg_tblspc/16390/PG_15_202209061/16384/16412": No space left on device'), { code: "53100" });
        }
        chunks.push({ seq, text: Buffer.from(bytes).toString("utf8"), truncated: opts?.truncated === true });
      },
    };
    return { sink, chunks, state, calls: () => calls, closedCut: () => closedCut };
  }

  test("the log is cut where the store filled up: no hole, nothing more tried, memory released, the cut said in words and flagged at close", async () => {
    const f = fillingSink(2);
    const w = await BuildLogWriter.openSink(f.sink, []);
    const line = `${"x".repeat(1000)}\n`;
    for (let i = 0; i < 400; i++) {
      // the daemon's output as a stream reader writes it: waits when the buffer is full, never hangs
      const wait = w.writeFromStream(line);
      if (wait) await wait;
      if (i % 40 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.flush();
    expect(w.storeFull).toMatch(/^the log store ran out of disk space: the log was cut after [\d.]+ KiB and [\d.]+ KiB more were not stored \(PostgreSQL: could not extend file .*No space left on device\); free space on the database's disk$/);
    expect(w.bufferedBytes).toBe(0);
    const callsAfterFull = f.calls();
    w.line("more output after the store filled up");
    await w.flush();
    // nothing more is tried once the store said it is full
    expect(f.calls()).toBe(callsAfterFull);
    // room again by the close: the cut is said in the log, as the next chunk after the stored ones
    f.state.room = 10;
    await w.close();
    expect(f.chunks.map((c) => c.seq)).toEqual(f.chunks.map((_c, k) => k));
    expect(f.chunks.at(-1)!.text).toContain("==> the log store ran out of disk space");
    expect(f.chunks.at(-1)!.truncated).toBe(true);
    expect(f.closedCut()).toBe(true);
  });

  test("a store still full at the close: the close does not throw, the log is flagged cut", async () => {
    const f = fillingSink(0);
    const w = await BuildLogWriter.openSink(f.sink, []);
    w.line("the first line already finds the store full");
    await w.close();
    expect(f.chunks).toEqual([]);
    expect(f.closedCut()).toBe(true);
    expect(w.storeFull).toContain("the log was cut after 0 bytes");
  });
});
