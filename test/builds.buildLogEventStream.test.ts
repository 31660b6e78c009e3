// GET /api/builds/:id/log (Server-Sent Events) and /api/builds/:id/log.txt, called as the server does with
// a signed-in user's cookie against the real database: existing chunks, then new ones as they are
// stored, a `state` event on every change, `end` once the build ended and every chunk was sent; resume
// after Last-Event-ID or ?after=; abort stops the stream; the download is the whole text.
import { beforeAll, describe, expect, test } from "vitest";
import { NextRequest } from "next/server";
import { getDb } from "@/lib/db";
import { appendBuildLog, appendDeploymentLog } from "@/lib/build/log-store";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { sessionCookieName } from "@/lib/auth/cookies";
import { GET as logEvents } from "@/app/api/builds/[id]/log/route";
import { GET as logText } from "@/app/api/builds/[id]/log.txt/route";
import { GET as deploymentLogEvents } from "@/app/api/deployments/[id]/log/route";
import { GET as deploymentLogText } from "@/app/api/deployments/[id]/log.txt/route";
import { createSession, createUser } from "@/test/helpers/fixtures";
import { seedBuild, seedDeployment } from "@/test/helpers/builds";
import { eventReader, type SseEvent } from "@/test/helpers/sse";

let cookie: string;

function request(path: string, init: { headers?: Record<string, string>; signal?: AbortSignal; cookie?: boolean } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie !== false) headers.cookie = `${sessionCookieName()}=${cookie}`;
  return new NextRequest(`http://127.0.0.1${path}`, { headers, signal: init.signal });
}

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

beforeAll(async () => {
  const viewer = await createUser("viewer");
  cookie = await createSession(viewer.id, new Date(Date.now() + 3600_000));
});

describe("build log event stream", () => {
  test("sends the stored chunks, then new ones live, then end with the final state", async () => {
    const b = await seedBuild();
    await appendBuildLog(b.id, 0, "==> Fetching abc\n");
    await appendBuildLog(b.id, 1, "Step 1/2 : FROM alpine\n");
    const res = await logEvents(request(`/api/builds/${b.id}/log`), ctx(b.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toContain("no-transform");
    const events = eventReader(res.body!);

    const state = await events.next();
    expect(state).toMatchObject({ event: "state" });
    expect(JSON.parse(state!.data)).toMatchObject({ state: "building", finishedAt: null });
    const first = await events.next();
    expect(first).toMatchObject({ event: "message", id: "0" });
    expect(JSON.parse(first!.data)).toMatchObject({ seq: 0, text: "==> Fetching abc\n" });
    expect(await events.next()).toMatchObject({ id: "1" });

    // stored while the stream is open: arrives with the next poll
    await appendBuildLog(b.id, 2, "Step 2/2 : RUN make\n");
    const live = await events.next();
    expect(live).toMatchObject({ id: "2" });
    expect(JSON.parse(live!.data).text).toBe("Step 2/2 : RUN make\n");

    // the last chunk and the final state together: the chunk comes first, then end
    await appendBuildLog(b.id, 3, "==> Pushed\n");
    await getDb().build.update({ where: { id: b.id }, data: { state: "succeeded", finishedAt: new Date() } });
    const rest: SseEvent[] = [];
    for (let e = await events.next(); e; e = await events.next()) rest.push(e);
    // (a poll may fall between the two writes, so the chunk may come before or after the state event)
    expect(rest.map((e) => e.event).sort()).toEqual(["end", "message", "state"]);
    expect(rest.find((e) => e.event === "message")).toMatchObject({ id: "3" });
    expect(rest.at(-1)!.event).toBe("end");
    expect(JSON.parse(rest.at(-1)!.data)).toMatchObject({ state: "succeeded" });
  });

  test("an ended build whose runner still has its log open is followed until the log is closed: its last lines arrive before end", async () => {
    const b = await seedBuild();
    const writer = await BuildLogWriter.open(b.id, []);
    writer.line("==> pushing");
    await writer.flush();
    const events = eventReader((await logEvents(request(`/api/builds/${b.id}/log`), ctx(b.id))).body!);
    expect(await events.next()).toMatchObject({ event: "state" });
    expect(await events.next()).toMatchObject({ event: "message", id: "0" });
    // the runner writes the final state, then its last lines (the releases, "succeeded"), then closes the log
    await getDb().build.update({ where: { id: b.id }, data: { state: "succeeded", finishedAt: new Date() } });
    const state = await events.next();
    expect(state).toMatchObject({ event: "state" });
    expect(JSON.parse(state!.data)).toMatchObject({ state: "succeeded" });
    writer.line("==> succeeded");
    await writer.close();
    const last = await events.next();
    expect(last).toMatchObject({ event: "message", id: "1" });
    expect(JSON.parse(last!.data).text).toBe("==> succeeded\n");
    expect(await events.next()).toMatchObject({ event: "end" });
  });

  test("a log left open by a runner that died does not hold viewers: 30 s after the build finished it counts as closed", async () => {
    const b = await seedBuild();
    await BuildLogWriter.open(b.id, []); // never closed, as by a worker killed mid-build
    await appendBuildLog(b.id, 0, "==> building\n");
    await getDb().build.update({ where: { id: b.id }, data: { state: "failed", finishedAt: new Date(Date.now() - 31_000), reason: "worker stopped" } });
    expect((await getDb().build.findUniqueOrThrow({ where: { id: b.id } })).logOpen).toBe(true);
    const events = eventReader((await logEvents(request(`/api/builds/${b.id}/log`), ctx(b.id))).body!);
    const got: SseEvent[] = [];
    for (let e = await events.next(3000); e; e = await events.next(3000)) got.push(e);
    expect(got.map((e) => e.event)).toEqual(["state", "message", "end"]);
  });

  test("resumes after Last-Event-ID or ?after=, whichever is later", async () => {
    const b = await seedBuild("succeeded");
    for (let i = 0; i < 5; i++) await appendBuildLog(b.id, i, `line ${i}\n`);
    const ids = async (req: NextRequest) => {
      const events = eventReader((await logEvents(req, ctx(b.id))).body!);
      const out: string[] = [];
      for (let e = await events.next(); e; e = await events.next()) if (e.event === "message") out.push(e.id!);
      return out;
    };
    expect(await ids(request(`/api/builds/${b.id}/log`, { headers: { "Last-Event-ID": "2" } }))).toEqual(["3", "4"]);
    expect(await ids(request(`/api/builds/${b.id}/log?after=3`))).toEqual(["4"]);
    expect(await ids(request(`/api/builds/${b.id}/log?after=0`, { headers: { "Last-Event-ID": "3" } }))).toEqual(["4"]);
    expect(await ids(request(`/api/builds/${b.id}/log`))).toEqual(["0", "1", "2", "3", "4"]);
  });

  test("a bad resume point is a 400 in words", async () => {
    const b = await seedBuild();
    const res = await logEvents(request(`/api/builds/${b.id}/log?after=abc`), ctx(b.id));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain("after: must be the number of the last log chunk received");
  });

  test("signed out is 401; an unknown build is 404", async () => {
    const b = await seedBuild();
    expect((await logEvents(request(`/api/builds/${b.id}/log`, { cookie: false }), ctx(b.id))).status).toBe(401);
    expect((await logText(request(`/api/builds/${b.id}/log.txt`, { cookie: false }), ctx(b.id))).status).toBe(401);
    const missing = await logEvents(request(`/api/builds/nope/log`), ctx("nope"));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toContain("There is no build with id nope");
  });

  test("an aborted request ends the stream of a running build", async () => {
    const b = await seedBuild();
    const abort = new AbortController();
    const res = await logEvents(request(`/api/builds/${b.id}/log`, { signal: abort.signal }), ctx(b.id));
    const events = eventReader(res.body!);
    expect(await events.next()).toMatchObject({ event: "state" });
    abort.abort();
    expect(await events.next(3000)).toBeNull();
  });

  test("the download is the whole log as build-<id>.log, also via ?download=1", async () => {
    const b = await seedBuild("succeeded");
    const lines = Array.from({ length: 450 }, (_, i) => `line ${i}\n`);
    for (const [i, l] of lines.entries()) await appendBuildLog(b.id, i, l);
    const res = await logText(request(`/api/builds/${b.id}/log.txt`), ctx(b.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="build-${b.id}.log"`);
    expect(await res.text()).toBe(lines.join(""));
    const viaParam = await logEvents(request(`/api/builds/${b.id}/log?download=1`), ctx(b.id));
    expect(viaParam.headers.get("content-disposition")).toContain(`build-${b.id}.log`);
    expect(await viaParam.text()).toBe(lines.join(""));
  });
});

describe("deployment log event stream (the same stream over deployment_log_chunks)", () => {
  test("sends the chunks live, then end with the final state; the download is the whole log", async () => {
    const d = await seedDeployment();
    await appendDeploymentLog(d.id, 0, "==> updating the service web\n");
    const res = await deploymentLogEvents(request(`/api/deployments/${d.id}/log`), ctx(d.id));
    expect(res.status).toBe(200);
    const events = eventReader(res.body!);
    expect(JSON.parse((await events.next())!.data)).toMatchObject({ state: "verifying" });
    expect(JSON.parse((await events.next())!.data)).toMatchObject({ seq: 0, text: "==> updating the service web\n" });
    await appendDeploymentLog(d.id, 1, "==> rolled back: the swarm rolled the update back\n");
    await getDb().deployment.update({ where: { id: d.id }, data: { state: "rolled_back", finishedAt: new Date() } });
    const rest: SseEvent[] = [];
    for (let e = await events.next(); e; e = await events.next()) rest.push(e);
    expect(rest.find((e) => e.event === "message")).toMatchObject({ id: "1" });
    expect(rest.at(-1)!.event).toBe("end");
    expect(JSON.parse(rest.at(-1)!.data)).toMatchObject({ state: "rolled_back" });
    expect((await getDb().deployment.findUniqueOrThrow({ where: { id: d.id } })).logBytes).toBeGreaterThan(0);

    const text = await deploymentLogText(request(`/api/deployments/${d.id}/log.txt`), ctx(d.id));
    expect(text.headers.get("content-disposition")).toBe(`attachment; filename="deployment-${d.id}.log"`);
    expect(await text.text()).toBe("==> updating the service web\n==> rolled back: the swarm rolled the update back\n");
  });

  test("a bad resume point is a 400, signed out is 401, an unknown deployment is 404, all in words", async () => {
    const d = await seedDeployment();
    const bad = await deploymentLogEvents(request(`/api/deployments/${d.id}/log?after=x`), ctx(d.id));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain("after: must be the number of the last log chunk received");
    expect((await deploymentLogEvents(request(`/api/deployments/${d.id}/log`, { cookie: false }), ctx(d.id))).status).toBe(401);
    const missing = await deploymentLogEvents(request(`/api/deployments/nope/log`), ctx("nope"));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toContain("There is no deployment with id nope");
    expect((await deploymentLogText(request(`/api/deployments/nope/log.txt`), ctx("nope"))).status).toBe(404);
  });
});
