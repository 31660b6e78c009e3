// A loopback TCP proxy in front of a real service (git daemon, registry, sshd) that can stall the link: bytes
// stop flowing both ways while the connections stay open, as a congested or half-dead network does. The fault
// tests use it to hold a worker in one phase (fetch, push, the SSH link of a deployment) for as long as they
// need, without any hook in the product. cut() drops every connection open now (as a network that gave up
// would) and lets new ones through: bytes a killed client sent into a stalled link are never delivered late.
import net from "node:net";

export interface StallProxy {
  port: number;
  /** 127.0.0.1:PORT */
  address: string;
  /** stop forwarding, on open connections and on new ones, until cut() */
  stall(): void;
  /** drop every open connection and forward again */
  cut(): void;
  /** connections accepted so far */
  accepted(): number;
  stop(): Promise<void>;
}

export async function startStallProxy(targetPort: number): Promise<StallProxy> {
  let stalled = false;
  let accepted = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      open.add(s);
      if (stalled) s.pause();
      s.on("close", () => open.delete(s));
      s.on("error", () => undefined);
    }
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk: Buffer) => {
        if (!to.write(chunk)) {
          from.pause();
          to.once("drain", () => {
            if (!stalled) from.resume();
          });
        }
      });
      from.on("end", () => to.end());
      from.on("close", () => to.destroy());
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    stall() {
      stalled = true;
      for (const s of open) s.pause();
    },
    cut() {
      for (const s of open) s.destroy();
      open.clear();
      stalled = false;
    },
    accepted: () => accepted,
    stop() {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
