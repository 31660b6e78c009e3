// A loopback stand-in for GitHub's OAuth web flow and the two REST endpoints next-auth's GitHub provider
// calls. It speaks GitHub's real shapes: /login/oauth/authorize (a page where you pick who you are, like
// GitHub's consent screen), /login/oauth/access_token (code → token, checks client id/secret and
// redirect_uri), /user and /user/emails (Bearer or "token" authorization).
import http from "node:http";
import { randomBytes } from "node:crypto";

export interface StandInUser {
  id: number;
  login: string;
  name: string;
  email: string | null;
}

export interface GitHubStandIn {
  url: string;
  close(): Promise<void>;
  /** every request seen, for assertions */
  requests: { method: string; path: string }[];
}

function idFor(login: string): number {
  let h = 7;
  for (const c of login) h = (h * 31 + c.charCodeAt(0)) % 1_000_000;
  return 100_000 + h;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startGitHubStandIn(opts: { port: number; clientId: string; clientSecret: string }): Promise<GitHubStandIn> {
  const codes = new Map<string, { login: string; redirectUri: string }>();
  const tokens = new Map<string, string>();
  const requests: { method: string; path: string }[] = [];
  const user = (login: string): StandInUser => ({ id: idFor(login), login, name: login[0]!.toUpperCase() + login.slice(1), email: `${login}@example.test` });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${opts.port}`);
    requests.push({ method: req.method ?? "GET", path: url.pathname });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (url.pathname === "/login/oauth/authorize" && req.method === "GET") {
        const q = url.searchParams;
        if (q.get("client_id") !== opts.clientId) return json(400, { error: "unknown client_id" });
        const hidden = ["client_id", "redirect_uri", "state", "scope"]
          .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q.get(k) ?? "")}">`)
          .join("");
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(`<!doctype html><title>Sign in to GitHub (stand-in)</title>
<h1>Authorize Slipway</h1>
<form method="post" action="/login/oauth/authorize">${hidden}
<label>GitHub login <input name="login" autofocus required></label>
<button type="submit">Authorize</button></form>`);
        return;
      }
      if (url.pathname === "/login/oauth/authorize" && req.method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const code = randomBytes(10).toString("hex");
        const redirectUri = form.get("redirect_uri") ?? "";
        codes.set(code, { login: form.get("login") ?? "octocat", redirectUri });
        const target = new URL(redirectUri);
        target.searchParams.set("code", code);
        if (form.get("state")) target.searchParams.set("state", form.get("state")!);
        res.writeHead(302, { Location: target.toString() });
        res.end();
        return;
      }
      if (url.pathname === "/login/oauth/access_token" && req.method === "POST") {
        const raw = await readBody(req);
        const params = (req.headers["content-type"] ?? "").includes("json") ? new URLSearchParams(Object.entries(JSON.parse(raw) as Record<string, string>)) : new URLSearchParams(raw);
        // client credentials arrive in the body (client_secret_post) or as HTTP Basic (client_secret_basic)
        let clientId = params.get("client_id");
        let clientSecret = params.get("client_secret");
        const basic = req.headers.authorization?.match(/^Basic (.+)$/)?.[1];
        if (basic) {
          const [id, secret] = Buffer.from(basic, "base64").toString().split(":");
          clientId = decodeURIComponent(id ?? "");
          clientSecret = decodeURIComponent(secret ?? "");
        }
        if (clientId !== opts.clientId || clientSecret !== opts.clientSecret) return json(401, { error: "incorrect_client_credentials" });
        const grant = codes.get(params.get("code") ?? "");
        if (!grant) return json(400, { error: "bad_verification_code" });
        if (params.get("redirect_uri") && params.get("redirect_uri") !== grant.redirectUri) return json(400, { error: "redirect_uri_mismatch" });
        codes.delete(params.get("code")!);
        const token = `gho_${randomBytes(16).toString("hex")}`;
        tokens.set(token, grant.login);
        return json(200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
      }
      const auth = req.headers.authorization?.match(/^(?:Bearer|token) (.+)$/i)?.[1];
      const login = auth ? tokens.get(auth) : undefined;
      if (url.pathname === "/user" || url.pathname === "/user/emails") {
        if (!login) return json(401, { message: "Bad credentials" });
        const u = user(login);
        if (url.pathname === "/user") return json(200, { ...u, email: null, avatar_url: null, type: "User" });
        return json(200, [{ email: u.email, primary: true, verified: true, visibility: "private" }]);
      }
      json(404, { message: "Not Found" });
    } catch (err) {
      json(500, { message: String(err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${opts.port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
