// lib/build/log-store.ts: one set of functions over both log tables (build_log_chunks, deployment_log_chunks).
// For each owner: appends count bytes on the owner's row (and touch its updated_at) in the same transaction
// as the chunk, flag a cut log, notify the viewers; reads page by seq; bounded reads stop at the byte bound;
// a sink's position continues where the log stands.
import { Client } from "pg";
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { LOG_CHANNEL } from "@/lib/db/log-listener";
import { appendLog, logSink, readLog, readLogBounded, type LogOwner } from "@/lib/build/log-store";
import { seedBuild, seedDeployment } from "@/test/helpers/builds";

async function owner(kind: LogOwner) {
  const row = kind === "build" ? await seedBuild() : await seedDeployment();
  const select = { logBytes: true, logTruncated: true, updatedAt: true } as const;
  const totals = () =>
    kind === "build" ? getDb().build.findUniqueOrThrow({ where: { id: row.id }, select }) : getDb().deployment.findUniqueOrThrow({ where: { id: row.id }, select });
  const chunkRows = () =>
    kind === "build" ? getDb().buildLogChunk.count({ where: { buildId: row.id } }) : getDb().deploymentLogChunk.count({ where: { deploymentId: row.id } });
  return { id: row.id, totals, chunkRows };
}

describe.each(["build", "deployment"] as const)("the %s log", (kind) => {
  test("appends count bytes on the owner's row, skip empty text, flag a cut log, and read back in order", async () => {
    const o = await owner(kind);
    const before = await o.totals();
    expect(before).toMatchObject({ logBytes: 0, logTruncated: false });
    await appendLog(kind, o.id, 0, "one\n");
    await appendLog(kind, o.id, 1, ""); // nothing to store: no row, no count
    await appendLog(kind, o.id, 1, "twö\n");
    const mid = await o.totals();
    expect(mid.logBytes).toBe(4 + Buffer.byteLength("twö\n"));
    expect(mid.logTruncated).toBe(false);
    expect(mid.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    await appendLog(kind, o.id, 2, "[cut]\n", { truncated: true });
    expect((await o.totals()).logTruncated).toBe(true);
    expect(await o.chunkRows()).toBe(3);

    expect((await readLog(kind, o.id)).map((c) => [c.seq, c.text])).toEqual([
      [0, "one\n"],
      [1, "twö\n"],
      [2, "[cut]\n"],
    ]);
    expect((await readLog(kind, o.id, 0, 1)).map((c) => c.seq)).toEqual([1]);
    expect((await readLog(kind, o.id, 2)).length).toBe(0);
    expect((await readLog(kind, o.id))[0]!.at).toBeInstanceOf(Date);
  });

  test("a bounded read stops once the byte bound is reached, but always returns one chunk", async () => {
    const o = await owner(kind);
    for (let seq = 0; seq < 5; seq++) await appendLog(kind, o.id, seq, `${String(seq).repeat(99)}\n`); // 100 bytes each
    expect((await readLogBounded(kind, o.id, -1, 10, 250)).map((c) => c.seq)).toEqual([0, 1, 2]);
    expect((await readLogBounded(kind, o.id, -1, 2, 10_000)).map((c) => c.seq)).toEqual([0, 1]);
    expect((await readLogBounded(kind, o.id, 1, 10, 1)).map((c) => c.seq)).toEqual([2]);
    expect(await readLogBounded(kind, o.id, 4, 10, 1000)).toEqual([]);
  });

  test("a sink starts at 0 on a new log and continues after the last chunk; it notifies '<owner>:<id>:<seq>'", async () => {
    const o = await owner(kind);
    const sink = logSink(kind, o.id);
    expect(await sink.position()).toEqual({ nextSeq: 0, bytes: 0, truncated: false });

    const listener = new Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on("notification", (n) => n.channel === LOG_CHANNEL && n.payload && heard.push(n.payload));
      await listener.query(`LISTEN ${LOG_CHANNEL}`);
      await sink.append(0, Buffer.from("a\n"));
      await sink.append(1, Buffer.from("bc\n"), { truncated: true });
      const deadline = Date.now() + 5000;
      while (heard.filter((p) => p.startsWith(`${kind}:${o.id}:`)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(heard.filter((p) => p.startsWith(`${kind}:${o.id}:`))).toEqual([`${kind}:${o.id}:0`, `${kind}:${o.id}:1`]);
    } finally {
      await listener.end();
    }
    expect(await sink.position()).toEqual({ nextSeq: 2, bytes: 5, truncated: true });
  });
});
