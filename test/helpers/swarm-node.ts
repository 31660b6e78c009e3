// A two-node swarm for tests: a manager (a private dockerd on the host, test/helpers/dockerd.ts) and a worker
// node (a second private dockerd inside its own network namespace), joined over a veth pair, with a private
// registry both of them pull from.
//
//   const s = await startSwarmWithWorkerNode();
//   try { ... } finally { await s.cleanup(); }
//
//   s.manager   TestDockerd: the swarm manager, advertising on s.link.hostAddress (its swarm port is free-picked)
//   s.worker    TestDockerd: the worker node, its daemon in network namespace s.link.netns (socket on the host)
//   s.nodes     { manager, worker }: the swarm node IDs (Task.NodeID in the manager's task list)
//   s.registry  TestRegistry listening on s.link.hostAddress: name images `${s.registry.url}/repo:tag`
//               (both daemons have it in --insecure-registry; 127.0.0.1 would be the namespace's own loopback)
//   s.link      { netns, hostVeth, nodeVeth, hostAddress, nodeAddress }: unique per run (pid + random)
//   s.linkDown() / s.linkUp()  the host side of the veth down / up: the worker node is cut off / back
//   s.cleanup() stops both daemons and the registry, deletes the namespace and the veth; never throws, may be
//               called twice (call it in afterAll / finally, even when the start failed half-way: it cleans
//               what was made)
//
// Traffic stays between the host and the namespace this made; nothing is routed elsewhere.
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { eventually } from "@/test/helpers/eventually";

const IP = existsSync("/usr/sbin/ip") ? "/usr/sbin/ip" : "/bin/ip";

export interface SwarmLink {
  /** the network namespace's name (/var/run/netns/NAME) */
  netns: string;
  /** the veth end on the host (the manager and the registry listen on its address) */
  hostVeth: string;
  /** the veth end in the namespace */
  nodeVeth: string;
  hostAddress: string;
  nodeAddress: string;
}

export interface SwarmWithWorker {
  manager: TestDockerd;
  worker: TestDockerd;
  registry: TestRegistry;
  nodes: { manager: string; worker: string };
  link: SwarmLink;
  /** takes the host side of the veth down: the worker node can no longer reach the manager or the registry */
  linkDown(): void;
  linkUp(): void;
  cleanup(): Promise<void>;
}

export interface StartSwarmWithWorkerOptions {
  /** --debug on the manager: its log names every API request (TestDockerd.apiCalls) */
  debug?: boolean;
}

function ip(args: string[]): void {
  try {
    execFileSync(IP, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`ip ${args.join(" ")} failed: ${stderr || (err as Error).message}`);
  }
}

function tryIp(args: string[]): void {
  try {
    execFileSync(IP, args, { stdio: "ignore", timeout: 10_000 });
  } catch {
    // already gone
  }
}

/** IPv4 addresses on the host now, to keep a new /30 clear of them. */
function hostAddresses(): string[] {
  const out = execFileSync(IP, ["-o", "-4", "addr", "show"], { encoding: "utf8" });
  return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
}

/**
 * A /30 in 10.201.0.0 to 10.250.255.255: clear of TESTING's fixed 10.200.0.0/30, of swarm's overlay pool
 * (10.0.0.0/8 carved from 10.0.0.0 up) and of Docker's bridge pools (172.17+, 192.168); chosen at random so
 * that other test processes making their own namespaces at the same time do not pick the same one.
 */
function pickSubnet(): { hostAddress: string; nodeAddress: string } {
  const used = new Set(hostAddresses().map((a) => a.split(".").slice(0, 3).join(".") + "." + (Number(a.split(".")[3]) & ~3)));
  for (;;) {
    const base = `10.${201 + randomInt(50)}.${randomInt(256)}`;
    const last = randomInt(64) * 4;
    if (used.has(`${base}.${last}`)) continue;
    return { hostAddress: `${base}.${last + 1}`, nodeAddress: `${base}.${last + 2}` };
  }
}

/** The netns and veth pair with an address on each side; cleaned by the returned function. */
function makeLink(): { link: SwarmLink; remove: () => void } {
  // interface names hold at most 15 characters
  const tag = randomBytes(3).toString("hex");
  const link: SwarmLink = {
    netns: `slipway-swn-${process.pid}-${tag}`,
    hostVeth: `swh${tag}${(process.pid % 1000).toString(36)}`,
    nodeVeth: `swn${tag}${(process.pid % 1000).toString(36)}`,
    ...pickSubnet(),
  };
  const removeNow = () => {
    // deleting the namespace deletes its veth end, and with it the host's end; the host's end goes
    // explicitly too, in case the pair was made but not yet moved
    tryIp(["netns", "delete", link.netns]);
    tryIp(["link", "delete", link.hostVeth]);
  };
  // a test process that exits without its afterAll (a crash, a vitest timeout) still removes them; the
  // daemons die with it on their own (setpriv --pdeathsig)
  process.once("exit", removeNow);
  const remove = () => {
    process.removeListener("exit", removeNow);
    removeNow();
  };
  try {
    ip(["netns", "add", link.netns]);
    ip(["link", "add", link.hostVeth, "type", "veth", "peer", "name", link.nodeVeth]);
    ip(["link", "set", link.nodeVeth, "netns", link.netns]);
    ip(["addr", "add", `${link.hostAddress}/30`, "dev", link.hostVeth]);
    ip(["link", "set", link.hostVeth, "up"]);
    ip(["-n", link.netns, "link", "set", "lo", "up"]);
    ip(["-n", link.netns, "addr", "add", `${link.nodeAddress}/30`, "dev", link.nodeVeth]);
    ip(["-n", link.netns, "link", "set", link.nodeVeth, "up"]);
  } catch (err) {
    remove();
    throw err;
  }
  return { link, remove };
}

interface NodeRow {
  ID: string;
  Status?: { State?: string };
  Spec?: { Role?: string };
}

/** The manager's swarm listen address (host:port), as a joining node must dial it. */
async function managerAddr(manager: TestDockerd): Promise<string> {
  const info = (await manager.docker.info()) as { Swarm?: { NodeID?: string; RemoteManagers?: Array<{ NodeID: string; Addr: string }> } };
  const addr = info.Swarm?.RemoteManagers?.find((m) => m.NodeID === info.Swarm?.NodeID)?.Addr;
  if (!addr) throw new Error("the manager is not in swarm mode (no RemoteManagers in /info)");
  return addr;
}

/**
 * Starts the namespace and veth, the registry on the host side, the manager (swarm init on the host side's
 * address) and the worker node in the namespace, and joins the worker to the swarm; resolves once the manager
 * sees both nodes ready. On a failure everything made so far is removed before it throws.
 */
export async function startSwarmWithWorkerNode(opts: StartSwarmWithWorkerOptions = {}): Promise<SwarmWithWorker> {
  const { link, remove } = makeLink();
  let registry: TestRegistry | undefined;
  let manager: TestDockerd | undefined;
  let worker: TestDockerd | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    // each step on its own: a failed one must not leave the others running
    for (const step of [() => worker?.stop(), () => manager?.stop(), () => registry?.stop()]) {
      try {
        await step();
      } catch (err) {
        console.warn(`swarm-node cleanup: ${(err as Error).message}`);
      }
    }
    remove();
  };
  try {
    registry = await startRegistry({ address: link.hostAddress });
    const insecureRegistries = [registry.url];
    [manager, worker] = await Promise.all([
      startDockerd({ swarmInit: true, swarmAddress: link.hostAddress, insecureRegistries, debug: opts.debug }),
      startDockerd({ netns: link.netns, insecureRegistries }),
    ]);
    const swarm = (await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
    await worker.docker.swarmJoin({
      RemoteAddrs: [await managerAddr(manager)],
      JoinToken: swarm.JoinTokens.Worker,
      ListenAddr: `${link.nodeAddress}:2377`,
      AdvertiseAddr: link.nodeAddress,
    });
    const workerInfo = (await worker.docker.info()) as { Swarm?: { NodeID?: string } };
    const workerId = workerInfo.Swarm?.NodeID;
    if (!workerId) throw new Error("the worker node joined but /info names no swarm node ID");
    const m = manager;
    const nodes = await eventually(
      "the manager to see the worker node ready",
      async () => {
        const list = (await m.docker.listNodes()) as NodeRow[];
        const w = list.find((n) => n.ID === workerId);
        const mgr = list.find((n) => n.Spec?.Role === "manager");
        return w?.Status?.State === "ready" && mgr ? { manager: mgr.ID, worker: w.ID } : null;
      },
      60_000,
      200,
    );
    return {
      manager,
      worker,
      registry,
      nodes,
      link,
      linkDown: () => ip(["link", "set", link.hostVeth, "down"]),
      linkUp: () => ip(["link", "set", link.hostVeth, "up"]),
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
