// outbound-oracle: checks that reach out from the console must not tell an admin or operator what listens in
// the console's network. A registry "Test login" against anything that is not a Docker registry — a closed
// port, a silent one, a reset, a web page, a JSON API, a service behind Basic auth, TLS to a plain port — says
// the same "Could not reach" sentence, echoes nothing of what answered and sends no password there. A GitHub
// API URL must be https:// (except loopback: the tests' stand-in), in the forms and slipway.yml and at use.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { testRegistryLogin } from "@/lib/registry/login";
import { saveApp, saveRegistry, saveRepository } from "@/lib/services/inventory/entities";
import { testRegistry } from "@/lib/services/inventory/checks";
import { GithubAppSetupError, installationToken, clearGithubClientCache } from "@/lib/github/app-client";
import { ValidationError } from "@/lib/errors";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";

const PASSWORD = "pw-oracle-7Qx!not-sent";
const REACH = (name: string) =>
  `Could not reach a Docker registry at ${name}: check the address and port, that the registry runs and the console's machine can reach it, whether it needs http:// or https://, and that its TLS certificate is trusted.`;

const closers: (() => void)[] = [];
const seenHeaders: IncomingHttpHeaders[] = [];

async function listen(server: Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

function http(status: number, headers: Record<string, string>, body: string): Promise<number> {
  return listen(
    createServer((req, res) => {
      seenHeaders.push(req.headers);
      res.writeHead(status, headers).end(body);
    }),
  );
}

function tcp(onConnection: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    onConnection(s);
  });
  closers.push(() => sockets.forEach((s) => s.destroy()));
  return listen(server);
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

let admin: TestUser;
let operator: TestUser;
let registry: TestRegistry;
let github: GithubApi;
const appKeys = generateAppKeyPair();

beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
  operator = await createUser("operator", { login: "olive" });
  registry = await startRegistry({ htpasswd: { username: "deployer", password: PASSWORD } });
  github = await startGithubApi({ appId: 4242, publicKey: appKeys.publicKey, installations: { "tarides/www": 99 } });
});

afterAll(async () => {
  for (const close of closers) close();
  await registry?.stop();
  await github?.stop();
});

describe("outbound-oracle: registry Test login", () => {
  it("says the same words for every place without a registry, echoing nothing of what answered", async () => {
    const places: Record<string, string> = {
      "closed port": `127.0.0.1:${await closedPort()}`,
      "silent port": `127.0.0.1:${await tcp(() => undefined)}`,
      "reset at once": `127.0.0.1:${await tcp((s) => s.resetAndDestroy())}`,
      "not HTTP": `127.0.0.1:${await tcp((s) => s.end("SSH-2.0-OpenSSH_9.2 banner-of-the-service\r\n"))}`,
      "web page 404": `127.0.0.1:${await http(404, { "content-type": "text/html", server: "secret-admin/1.0" }, "<h1>Not Found: secret-admin</h1>")}`,
      "web page 200": `127.0.0.1:${await http(200, { "content-type": "text/html" }, "<h1>Welcome to secret-admin</h1>")}`,
      "JSON API": `127.0.0.1:${await http(200, { "content-type": "application/json" }, '{"service":"secret-admin"}')}`,
      "server error": `127.0.0.1:${await http(503, {}, "secret-admin is down")}`,
      "Basic auth service": `127.0.0.1:${await http(401, { "www-authenticate": 'Basic realm="secret-admin"' }, "login")}`,
    };
    const webPort = places["web page 200"]!.split(":")[1];
    places["TLS to a plain port"] = `https://127.0.0.1:${webPort}`;

    for (const [what, url] of Object.entries(places)) {
      const result = await testRegistryLogin({ url, username: "deployer", password: PASSWORD, timeoutMs: 700 });
      const name = url.replace(/^https:\/\//, "");
      expect(result, what).toMatchObject({ ok: false, message: REACH(name) });
      // the address itself is echoed (the admin typed it); its port may contain "401" or "503" by chance
      expect(JSON.stringify(result).split(name).join("<address>"), what).not.toMatch(/secret-admin|SSH-2|HTTP \d|refused|404|503|401/);
    }
    // nothing that answered was sent the password
    expect(seenHeaders.some((h) => h.authorization)).toBe(false);
  });

  it("still logs in to a real registry, and says a wrong password is refused", async () => {
    expect(await testRegistryLogin({ url: registry.url, username: "deployer", password: PASSWORD })).toEqual({ ok: true, message: `Logged in to ${registry.url} as deployer.` });
    expect(await testRegistryLogin({ url: registry.url, username: "deployer", password: "nope" })).toMatchObject({ ok: false, message: `Login refused by ${registry.url}: wrong username or password.` });
  });

  it("the stored result an operator sees is the same sentence", async () => {
    const port = await closedPort();
    const reg = await saveRegistry(actorFor(admin), { name: "probe", url: `127.0.0.1:${port}`, username: "deployer", password: PASSWORD });
    const r = await testRegistry(actorFor(operator), { registry_id: reg.id });
    expect(r).toEqual({ ok: false, message: `probe: ${REACH(`127.0.0.1:${port}`)}` });
    expect((await getDb().registry.findUniqueOrThrow({ where: { id: reg.id } })).lastCheckResult).toBe(r.message);
  });
});

describe("outbound-oracle: GitHub API URL", () => {
  it("refuses http:// off loopback in the app schema (forms, REST API and slipway.yml share it); keeps https:// and the loopback stand-in", async () => {
    for (const api_url of ["http://api.example.org", "http://ghe.example.org/api/v3", "http://10.0.0.5:8080/api/v3"]) {
      const err = await saveApp(actorFor(admin), { name: "plain", app_id: "1", api_url }).catch((e: unknown) => e);
      expect(err, api_url).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(/api_url.*https:\/\//);
    }
    await expect(saveApp(actorFor(admin), { name: "ghe", app_id: "1", api_url: "https://ghe.example.org/api/v3" })).resolves.toBeTruthy();
    await expect(saveApp(actorFor(admin), { name: "tarides", app_id: "4242", api_url: github.url, private_key: appKeys.privateKey })).resolves.toBeTruthy();
    expect(github.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it("sends no JWT to an http:// API URL saved before https was required; the loopback stand-in still gets its request", async () => {
    await saveApp(actorFor(admin), { name: "legacy", app_id: "4242", api_url: github.url, private_key: appKeys.privateKey });
    const repo = await saveRepository(actorFor(admin), { repo: "tarides/www", app: "legacy" });
    await getDb().repository.update({ where: { id: repo.id }, data: { installationId: 99 } });
    clearGithubClientCache();
    expect(await installationToken(repo.id)).toEqual(expect.any(String));

    await getDb().githubApp.update({ where: { name: "legacy" }, data: { apiUrl: "http://192.0.2.10/api/v3" } });
    clearGithubClientCache();
    const err = await installationToken(repo.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GithubAppSetupError);
    expect((err as Error).message).toMatch(/not https:\/\/.*Settings → GitHub apps/);
  });
});
