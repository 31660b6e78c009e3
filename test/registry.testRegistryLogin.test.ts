// Registry login checks against real registries (docker-registry): open, htpasswd (Basic) and token (Bearer)
// auth, and against things that are not registries.
import { createServer, type Server } from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRegistryLogin } from "@/lib/registry/login";
import { startRegistry, TOKEN_SERVICE, type TestRegistry } from "@/test/helpers/registry";

const USERNAME = "ci-bot";
const PASSWORD = "pw-Zq8#not-in-messages";

async function listen(server: Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

describe("testRegistryLogin", () => {
  let open: TestRegistry;
  let basic: TestRegistry;
  let token: TestRegistry;

  beforeAll(async () => {
    [open, basic, token] = await Promise.all([
      startRegistry(),
      startRegistry({ htpasswd: { username: USERNAME, password: PASSWORD } }),
      startRegistry({ token: { username: USERNAME, password: PASSWORD } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), basic?.stop(), token?.stop()]);
  });

  it("says a registry without auth needs no login", async () => {
    expect(await testRegistryLogin({ url: open.url })).toEqual({ ok: true, message: `${open.url} answers: the registry needs no login.` });
    expect(await testRegistryLogin({ url: `http://${open.url}`, username: USERNAME, password: PASSWORD })).toEqual({
      ok: true,
      message: `${open.url} answers without a login: the registry needs no login (the username is not used).`,
    });
  });

  it("logs in to an htpasswd registry (Basic) with the right password", async () => {
    expect(await testRegistryLogin({ url: basic.url, username: USERNAME, password: PASSWORD })).toEqual({ ok: true, message: `Logged in to ${basic.url} as ${USERNAME}.` });
  });

  it("refuses a wrong password in words, without the password", async () => {
    const wrong = "wrong-Password-123";
    const result = await testRegistryLogin({ url: basic.url, username: USERNAME, password: wrong });
    expect(result).toEqual({ ok: false, reason: "unauthorized", status: 401, message: `Login refused by ${basic.url}: wrong username or password.` });
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it("says a registry needs a login when none was given", async () => {
    expect(await testRegistryLogin({ url: basic.url })).toEqual({
      ok: false,
      reason: "unauthorized",
      status: 401,
      message: `${basic.url} needs a login: give the registry's username and password.`,
    });
  });

  it("gets a Bearer token from the realm the registry names (service and account), and the registry takes it", async () => {
    expect(await testRegistryLogin({ url: token.url, username: USERNAME, password: PASSWORD })).toEqual({ ok: true, message: `Logged in to ${token.url} as ${USERNAME}.` });
    expect(token.tokenRequests.at(-1)).toEqual({ query: { service: TOKEN_SERVICE, account: USERNAME }, authorized: true });

    const refused = await testRegistryLogin({ url: token.url, username: USERNAME, password: "not-it" });
    expect(refused).toMatchObject({ ok: false, reason: "unauthorized", status: 401 });
    expect(refused.ok ? "" : refused.message).toMatch(new RegExp(`^Login refused by ${token.url} \\(token service 127\\.0\\.0\\.1:\\d+\\): wrong username or password\\.$`));
    expect(JSON.stringify(refused)).not.toContain(PASSWORD);
  });

  it("says unreachable for a port nobody listens on", async () => {
    const port = await closedPort();
    expect(await testRegistryLogin({ url: `127.0.0.1:${port}`, username: USERNAME, password: PASSWORD })).toEqual({
      ok: false,
      reason: "unreachable",
      message: `the registry at 127.0.0.1:${port} refused the connection: is the registry running on that port?`,
    });
  });

  it("says not_a_registry for a plain HTTP server without the registry API", async () => {
    const notFound = createServer((_req, res) => res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"));
    const website = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<h1>Welcome</h1>"));
    const [notFoundPort, websitePort] = [await listen(notFound), await listen(website)];
    try {
      expect(await testRegistryLogin({ url: `127.0.0.1:${notFoundPort}` })).toEqual({
        ok: false,
        reason: "not_a_registry",
        status: 404,
        message: `127.0.0.1:${notFoundPort} has no Docker registry API (HTTP 404 for /v2/): check the address and port`,
      });
      expect(await testRegistryLogin({ url: `127.0.0.1:${websitePort}` })).toMatchObject({ ok: false, reason: "not_a_registry", status: 200 });
    } finally {
      notFound.close();
      website.close();
    }
  });

  it("times out on a server that never answers, and stops at once when the caller aborts", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    const port = await listen(silent);
    try {
      let started = Date.now();
      expect(await testRegistryLogin({ url: `127.0.0.1:${port}`, timeoutMs: 500 })).toEqual({
        ok: false,
        reason: "timeout",
        message: `127.0.0.1:${port} did not answer within 0.5 s: check that the address names a running registry and that nothing blocks the port`,
      });
      expect(Date.now() - started).toBeLessThan(2000);

      const controller = new AbortController();
      started = Date.now();
      setTimeout(() => controller.abort(new Error("cancelled by the admin")), 100);
      await expect(testRegistryLogin({ url: `127.0.0.1:${port}`, signal: controller.signal })).rejects.toThrow("cancelled by the admin");
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("refuses to send the password to a token service over plain HTTP off loopback", async () => {
    const fake = createServer((_req, res) =>
      res.writeHead(401, { "docker-distribution-api-version": "registry/2.0", "www-authenticate": 'Bearer realm="http://auth.example.org/token",service="fake"' }).end(),
    );
    const port = await listen(fake);
    try {
      expect(await testRegistryLogin({ url: `127.0.0.1:${port}`, username: USERNAME, password: PASSWORD })).toEqual({
        ok: false,
        reason: "error",
        message: `127.0.0.1:${port} asks for the password to be sent to http://auth.example.org, which is not HTTPS; Slipway refuses to send it there: configure the token service with HTTPS`,
      });
    } finally {
      fake.close();
    }
  });
});
