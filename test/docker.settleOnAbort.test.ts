// An engine whose connection drops in the middle of an answer: docker-modem never settles such a request,
// so the deploy engine must get control back from its own signal (lib/docker/abort.ts), or a deployment
// would stay "deploying" and its worker could not stop.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readService } from "@/lib/deploy/targets/swarm/engine";
import { waitForConvergence } from "@/lib/deploy/targets/swarm/convergence";
import { settleOnAbort } from "@/lib/docker/abort";

let dir: string;
let server: net.Server;
let socketPath: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sw-half-"));
  socketPath = path.join(dir, "docker.sock");
  // answers every request with the start of a response, then hangs up
  server = net.createServer((sock) => {
    sock.once("data", () => {
      sock.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"ID\":");
      setTimeout(() => sock.destroy(), 50);
    });
    sock.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const docker = () => new Dockerode({ socketPath, host: undefined, protocol: "http" });

test("a swarm read whose answer is cut off ends with the caller's signal", async () => {
  const t0 = Date.now();
  await expect(readService(docker(), "web", AbortSignal.timeout(800))).rejects.toMatchObject({ name: "SwarmError" });
  expect(Date.now() - t0).toBeLessThan(10_000);
});

test("watching convergence on such an engine ends with the caller's signal too", async () => {
  const c = new AbortController();
  setTimeout(() => c.abort(new Error("stop")), 500);
  const t0 = Date.now();
  // cancelled by the signal: not the engine's own timeout (60 s) nor an engine error
  await expect(waitForConvergence(docker(), { serviceId: "x", image: "a:b@sha256:0", monitorMs: 0, timeoutMs: 60_000, signal: c.signal, log: () => undefined })).rejects.toMatchObject({
    name: "SwarmError",
    reason: "cancelled",
  });
  expect(Date.now() - t0).toBeLessThan(10_000);
});

test("settleOnAbort: the value, the error, or the signal's reason, whichever comes first", async () => {
  await expect(settleOnAbort(Promise.resolve(1), new AbortController().signal)).resolves.toBe(1);
  await expect(settleOnAbort(Promise.reject(new Error("no")), new AbortController().signal)).rejects.toThrow("no");
  const c = new AbortController();
  const never = new Promise<number>(() => undefined);
  setTimeout(() => c.abort(new Error("given up")), 20);
  await expect(settleOnAbort(never, c.signal)).rejects.toThrow("given up");
  await expect(settleOnAbort(never, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
});
