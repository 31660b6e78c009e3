// The swarm the soak deploys to, from one function: startSoakSwarm(). A two-node swarm (test/helpers/swarm-node.ts):
// the manager, a private dockerd on the host, and a worker node, a second private dockerd in its own network
// namespace, joined over a veth pair, with the registry both pull from on the link's host address. Every soak
// service runs one replica on each node (Placement.MaxReplicas 1), so an update, a rollback and a restart of the
// manager's dockerd are checked on both. SLIPWAY_SOAK_SINGLE_NODE=1 runs it on one node (the manager alone), as
// the soak did before.
import type Dockerode from "dockerode";
import { startDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSwarmWithWorkerNode } from "@/test/helpers/swarm-node";

export interface SoakSwarm {
  /** how the report names it */
  description: string;
  /** the manager's engine, unix://…: a unix:// docker context, and DOCKER_HOST for the sshd sessions */
  managerEndpoint: string;
  /** a client on the manager for the soak's own checks (not the code under test) */
  docker: Dockerode;
  /** the registry every node pulls from: images are pushed to `${registry.url}/…` */
  registry: TestRegistry;
  /** the replicas of each soak service: one per node */
  replicas: number;
  /** Placement for the soak's services (one replica per node) */
  placement: { MaxReplicas?: number };
  /** stops the manager's dockerd (its containers stop with it), waits downMs, starts it again with its swarm */
  restartManager(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSoakSwarm(): Promise<SoakSwarm> {
  if (process.env.SLIPWAY_SOAK_SINGLE_NODE === "1") {
    const [dockerd, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
    return {
      description: "single-node swarm (private dockerd, manager)",
      managerEndpoint: dockerd.endpoint,
      docker: dockerd.docker,
      registry,
      replicas: 1,
      placement: {},
      async restartManager(downMs) {
        await dockerd.pause();
        await new Promise((r) => setTimeout(r, downMs));
        await dockerd.resume();
      },
      stop: async () => {
        await Promise.all([dockerd.stop(), registry.stop()]);
      },
    };
  }
  const s = await startSwarmWithWorkerNode();
  return {
    description: `two-node swarm (manager on the host, worker node in network namespace ${s.link.netns})`,
    managerEndpoint: s.manager.endpoint,
    docker: s.manager.docker,
    registry: s.registry,
    replicas: 2,
    placement: { MaxReplicas: 1 },
    async restartManager(downMs) {
      await s.manager.pause();
      await new Promise((r) => setTimeout(r, downMs));
      await s.manager.resume();
    },
    stop: () => s.cleanup(),
  };
}
