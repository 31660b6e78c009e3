// workers/runtime.ts startWorker's own log: the worker's three runners (jobs, builds, deployments) share the
// crontab through the first one only; the others must not report cron as disabled (a worker whose log says
// "cron is disabled" looks as if it never polls repositories).
import { afterAll, describe, expect, test } from "vitest";
import pino from "pino";
import { logOptions } from "@/lib/log";
import { startWorker, type WorkerHandle } from "@/workers/runtime";

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) await w.stop();
});

describe("console-layout: the worker's start-up log", () => {
  test("says which schedules run (polling among them) and never that cron is disabled", async () => {
    const lines: { msg?: string; schedules?: string[] }[] = [];
    const log = pino({ ...logOptions, level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string; schedules?: string[] }) });
    const worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 1, id: "cron-log-worker", log });
    running.push(worker);
    await worker.stop();
    const messages = lines.map((l) => l.msg ?? "");
    expect(messages).toContain("worker started");
    expect(messages.filter((m) => /cron is disabled/i.test(m))).toEqual([]);
    const started = lines.find((l) => l.msg === "worker started")!;
    expect(started.schedules).toEqual(expect.arrayContaining(["* * * * * repositories_poll_due", "0 * * * * maintenance"]));
  });
});
