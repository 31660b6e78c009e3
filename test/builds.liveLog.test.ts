// Live logs over LISTEN/NOTIFY (lib/db/log-listener.ts, lib/http/build-log.ts logEventStream) against the
// real database: a stored chunk and a state change wake a viewer without its fallback poll (set to 60 s
// here, so only the notification can deliver in time); the listener reconnects by itself after its
// connection is terminated; a client that does not read holds the stream back (the store is read only
// as the client takes pages).
import { afterEach, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { appendBuildLog, readBuildLogBounded } from "@/lib/build/log-store";
import { buildLogEventStream, buildLogSource, logEventStream, PULL_CHUNKS, type LogSource } from "@/lib/http/build-log";
import { LOG_LISTENER_APPLICATION, logListener } from "@/lib/db/log-listener";
import { eventually } from "@/test/helpers/eventually";
import { seedBuild } from "@/test/helpers/builds";
import { eventReader, type SseEvent } from "@/test/helpers/sse";

const NO_POLL = 60_000;

const aborts: AbortController[] = [];
function follow(buildId: string, after = -1) {
  const abort = new AbortController();
  aborts.push(abort);
  return eventReader(buildLogEventStream(buildId, { after, signal: abort.signal, pollMs: NO_POLL }));
}
afterEach(() => {
  for (const a of aborts.splice(0)) a.abort();
});

describe("live log viewers are woken by NOTIFY", () => {
  test("a stored chunk reaches a following viewer without waiting for the (60 s) poll", async () => {
    const b = await seedBuild();
    await logListener().ready();
    const events = follow(b.id);
    expect(await events.next()).toMatchObject({ event: "state" });
    await appendBuildLog(b.id, 0, "tick 1\n");
    const e = await events.next(10_000);
    expect(e).toMatchObject({ event: "message", id: "0" });
    expect(JSON.parse(e!.data).text).toBe("tick 1\n");
    await appendBuildLog(b.id, 1, "tick 2\n");
    expect(await events.next(10_000)).toMatchObject({ id: "1" });
  });

  test("a state change, whoever writes it, wakes the viewer: the final state and `end` come without the poll", async () => {
    const b = await seedBuild();
    await logListener().ready();
    const events = follow(b.id);
    expect(JSON.parse((await events.next())!.data)).toMatchObject({ state: "building" });
    await appendBuildLog(b.id, 0, "==> pushed\n");
    expect(await events.next(10_000)).toMatchObject({ id: "0" });
    // a plain UPDATE, as the reaper or a cancel from the console writes it: the trigger notifies
    await getDb().build.update({ where: { id: b.id }, data: { state: "succeeded", finishedAt: new Date() } });
    const rest: SseEvent[] = [];
    for (let e = await events.next(10_000); e; e = await events.next(10_000)) rest.push(e);
    expect(rest.map((e) => e.event)).toEqual(["state", "end"]);
    expect(JSON.parse(rest[1]!.data)).toMatchObject({ state: "succeeded" });
  });

  test("the listener reconnects by itself after its connection is terminated, and viewers still get every line", async () => {
    const b = await seedBuild();
    const listener = logListener();
    await listener.ready();
    const before = listener.connects;
    const events = follow(b.id);
    expect(await events.next()).toMatchObject({ event: "state" });

    const killed = await getDb().$queryRaw<Array<{ ok: boolean }>>`
      SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ${LOG_LISTENER_APPLICATION} AND datname = current_database()`;
    expect(killed).toEqual([{ ok: true }]);
    // stored while the listener may be down: the reconnect wakes every viewer to look
    await appendBuildLog(b.id, 0, "while reconnecting\n");
    await eventually("the listener to reconnect", () => listener.connects > before && listener.listening, 20_000, 20);
    expect(await events.next(15_000)).toMatchObject({ id: "0" });
    // and notifications work again on the new connection
    await appendBuildLog(b.id, 1, "after the reconnect\n");
    const e = await events.next(10_000);
    expect(JSON.parse(e!.data).text).toBe("after the reconnect\n");
    const rows = await getDb().$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ${LOG_LISTENER_APPLICATION} AND datname = current_database()`;
    expect(Number(rows[0]!.n)).toBe(1);
  });
});

describe("backpressure: the stream reads the store only as the client reads", () => {
  test("a client that stops reading holds the stream to a bounded number of store reads; reading on gets every chunk", async () => {
    const b = await seedBuild();
    const total = PULL_CHUNKS * 10;
    for (let i = 0; i < total; i++) await appendBuildLog(b.id, i, `line ${i} ${"x".repeat(1000)}\n`);
    const real = buildLogSource(b.id);
    let reads = 0;
    let chunksRead = 0;
    const counted: LogSource = {
      ...real,
      read: async (after, limit, maxBytes) => {
        reads++;
        const c = await readBuildLogBounded(b.id, after, limit, maxBytes);
        chunksRead += c.length;
        return c;
      },
    };
    const abort = new AbortController();
    aborts.push(abort);
    const reader = logEventStream(counted, { after: -1, signal: abort.signal, pollMs: NO_POLL }).getReader();
    // the client takes one piece, then stops reading for a while
    const first = await reader.read();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    // one page sent and one read ahead (the stream's high-water mark), not the whole log
    expect(reads).toBeLessThanOrEqual(2);
    expect(chunksRead).toBeLessThanOrEqual(2 * PULL_CHUNKS);

    // reading on delivers every chunk, in order
    const decoder = new TextDecoder();
    let text = decoder.decode(first.value, { stream: true });
    const ids: number[] = [];
    for (;;) {
      for (let i; (i = text.indexOf("\n\n")) >= 0; text = text.slice(i + 2)) {
        const m = /^id: (\d+)$/m.exec(text.slice(0, i));
        if (m) ids.push(Number(m[1]));
      }
      if (ids.length >= total) break;
      const r = await reader.read();
      if (r.done) break;
      text += decoder.decode(r.value, { stream: true });
    }
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(chunksRead).toBe(total);
    await reader.cancel();
  });
});
