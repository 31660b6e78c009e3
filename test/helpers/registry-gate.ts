// A loopback TCP gate in front of a real registry that can change what the registry seems to do, mid-push:
// pass (forward), stall (bytes stop, connections stay open), unauthorized (every connection, open ones cut, is
// answered HTTP 401 as a registry that stopped accepting the credentials answers) and down (open connections
// cut, the port refuses new ones, as a registry that was killed). test/faults/registry-push.test.ts.
import net from "node:net";

export type GateMode = "pass" | "stall" | "unauthorized" | "down";

export interface RegistryGate {
  port: number;
  /** 127.0.0.1:PORT, as images are named */
  address: string;
  mode(): GateMode;
  set(mode: GateMode): Promise<void>;
  /** connections accepted so far */
  accepted(): number;
  /** 401 answers given so far */
  refusals(): number;
  stop(): Promise<void>;
}

const UNAUTHORIZED_BODY = JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }] });

export async function startRegistryGate(targetPort: number): Promise<RegistryGate> {
  let mode: GateMode = "pass";
  let accepted = 0;
  let refusals = 0;
  const open = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => undefined);
  };
  const onConnection = (client: net.Socket) => {
    accepted++;
    track(client);
    if (mode === "unauthorized") {
      let head = "";
      client.on("data", (d: Buffer) => {
        head += d.toString("latin1");
        if (!head.includes("\r\n\r\n")) return;
        refusals++;
        client.end(
          `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nDocker-Distribution-Api-Version: registry/2.0\r\nWWW-Authenticate: Basic realm="slipway-test"\r\nContent-Length: ${UNAUTHORIZED_BODY.length}\r\nConnection: close\r\n\r\n${UNAUTHORIZED_BODY}`,
        );
      });
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    track(upstream);
    if (mode === "stall") {
      client.pause();
      upstream.pause();
    }
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk: Buffer) => {
        if (!to.write(chunk)) {
          from.pause();
          to.once("drain", () => {
            if (mode === "pass") from.resume();
          });
        }
      });
      from.on("end", () => to.end());
      from.on("close", () => to.destroy());
    };
    forward(client, upstream);
    forward(upstream, client);
  };
  let server = net.createServer(onConnection);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const cutAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    port,
    address: `127.0.0.1:${port}`,
    mode: () => mode,
    async set(next) {
      if (next === mode) return;
      const was = mode;
      mode = next;
      if (next === "stall") {
        for (const s of open) s.pause();
        return;
      }
      // whatever was in flight goes: a registry that changed its mind or went away drops its connections
      cutAll();
      if (next === "down") await close();
      else if (was === "down") {
        server = net.createServer(onConnection);
        await listen(port);
      }
    },
    accepted: () => accepted,
    refusals: () => refusals,
    async stop() {
      cutAll();
      if (mode !== "down") await close();
    },
  };
}
