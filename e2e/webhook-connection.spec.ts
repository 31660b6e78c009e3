// The production server, over a raw kept-alive connection as a reverse proxy would use it: a webhook answered
// before its body was read to the end (unknown app, oversized) closes the connection, so the unread bytes are
// never taken for the next request on it.
import net from "node:net";
import { test, expect } from "@playwright/test";

const base = new URL(process.env.E2E_BASE_URL ?? "http://127.0.0.1:3900");

/** Sends `request` and collects what the server sends until it closes the connection or `ms` pass. */
function exchange(request: Buffer[], ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port), base.hostname);
    let text = "";
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("end", () => done(true));
    socket.on("close", () => done(true));
    socket.on("error", (err) => (text ? done(true) : reject(err)));
    socket.on("connect", () => {
      for (const part of request) socket.write(part);
    });
  });
}

test("a chunked webhook to an unknown app is answered 404 with Connection: close, and the connection is closed", async () => {
  const head = Buffer.from(
    [
      "POST /api/webhooks/github/no-such-app HTTP/1.1",
      `Host: ${base.host}`,
      "Content-Type: application/json",
      "Transfer-Encoding: chunked",
      "X-GitHub-Event: push",
      "X-GitHub-Delivery: 6a1e0c1e-0000-4000-8000-000000000001",
      "Connection: keep-alive",
      "",
      "",
    ].join("\r\n"),
  );
  const chunk = Buffer.alloc(64 * 1024, "a");
  const chunks = Array.from({ length: 8 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]));
  // the body never ends: a server that kept the connection would wait for it, or read it as the next request
  const { text, closed } = await exchange([head, ...chunks], 5_000);
  expect(text).toMatch(/^HTTP\/1\.1 404/);
  expect(text.toLowerCase()).toContain("connection: close");
  expect(text).toContain("no GitHub app of that name");
  expect(closed).toBe(true);
  // exactly one response: nothing of the body was answered as a request
  expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
});
