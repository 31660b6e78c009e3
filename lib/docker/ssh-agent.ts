// The HTTP agent that carries Docker API requests to a remote engine over SSH: each connection is one SSH login
// (the pinned-key settings of lib/ssh/connect.ts) running `docker system dial-stdio`, whose stdin/stdout is the
// socket. It replaces docker-modem's own ssh agent, which goes on after a refused exec with an undefined stream
// and throws in ssh2's callback: an uncaught exception that ends the whole worker process when a host's sshd
// stops or refuses sessions mid-deployment (seen in test/faults/ssh-host.test.ts).
import http from "node:http";
import type { Duplex } from "node:stream";
import { Client, type ConnectConfig } from "ssh2";

type OnConnection = (err: Error | null, socket?: Duplex) => void;

/** An http.Agent whose every connection is a new SSH login that runs `docker system dial-stdio`. */
export function sshDockerAgent(config: ConnectConfig): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  // Node's Agent takes an asynchronous createConnection(options, callback) that returns nothing
  (agent as unknown as { createConnection: (options: unknown, done: OnConnection) => undefined }).createConnection = (_options, done) => {
    const conn = new Client();
    /** the socket handed to the request, once there is one: later SSH errors end it, never call `done` again */
    let socket: Duplex | null = null;
    let settled = false;
    const fail = (err: Error) => {
      if (socket) {
        socket.destroy(err);
      } else if (!settled) {
        settled = true;
        done(err);
      }
      conn.end();
    };
    conn.on("error", fail);
    conn.once("close", () => {
      if (!settled) fail(new Error("the SSH connection closed before the Docker engine's socket was opened"));
      else socket?.destroy();
    });
    conn.once("ready", () => {
      conn.exec("docker system dial-stdio", (err, stream) => {
        if (err || !stream) return fail(err ?? new Error("the SSH server opened no channel for `docker system dial-stdio`"));
        settled = true;
        socket = stream;
        stream.once("close", () => conn.end());
        done(null, stream);
      });
    });
    try {
      conn.connect(config);
    } catch (err) {
      // ssh2 throws synchronously on settings it cannot use (e.g. an unreadable private key)
      fail(err instanceof Error ? err : new Error(String(err)));
    }
    return undefined;
  };
  return agent;
}
