// Serves the Next.js console from our own HTTP server, so that:
// - the client address in the audit log cannot be forged: X-Forwarded-* headers from the client are dropped
//   unless SLIPWAY_TRUST_PROXY=1 says a reverse proxy in front sets them;
// - Ctrl-C / SIGTERM close it in order with the worker and the embedded database.
import http from "node:http";
import type { Socket } from "node:net";
import next from "next";

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

const FORWARDED = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "forwarded"];

export async function startWebServer(opts: { dev: boolean; port: number; host: string; trustProxy: boolean; dir?: string }): Promise<WebServer> {
  const app = next({ dev: opts.dev, hostname: opts.host, port: opts.port, dir: opts.dir ?? process.cwd(), turbopack: opts.dev ? true : undefined });
  await app.prepare();
  const handle = app.getRequestHandler();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    if (!opts.trustProxy) for (const h of FORWARDED) delete req.headers[h];
    if (!req.headers["x-forwarded-for"] && req.socket.remoteAddress) req.headers["x-forwarded-for"] = req.socket.remoteAddress;
    handle(req, res).catch((err: unknown) => {
      console.error(err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end("Internal error");
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  if (opts.dev) {
    const upgrade = app.getUpgradeHandler();
    server.on("upgrade", (req, socket, head) => {
      upgrade(req, socket, head).catch(() => socket.destroy());
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${opts.port} on ${opts.host} is in use; set PORT to another port`) : err),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const shownHost = opts.host === "0.0.0.0" || opts.host === "::" ? "localhost" : opts.host;
  return {
    url: `http://${shownHost}:${opts.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // long-lived streams (server-sent events) end here; in-flight requests had their chance
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 5_000).unref();
      });
      await app.close();
    },
  };
}
