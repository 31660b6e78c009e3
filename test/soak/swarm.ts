// The swarm the soak deploys to, from one function: startSoakSwarm(). Today a single-node swarm (a private
// dockerd that is its own manager, test/helpers/dockerd.ts); the two-node helper (test/helpers/swarm-node.ts)
// can take its place here alone, as long as it answers the same SoakSwarm shape.
import type Dockerode from "dockerode";
import { startDockerd } from "@/test/helpers/dockerd";

export interface SoakSwarm {
  /** how the report names it */
  description: string;
  /** the manager's engine, unix://…: a unix:// docker context, and DOCKER_HOST for the sshd sessions */
  managerEndpoint: string;
  /** a client on the manager for the soak's own checks (not the code under test) */
  docker: Dockerode;
  /** stops the manager's dockerd (containers stop with it), waits downMs, starts it again with its swarm */
  restartManager(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSoakSwarm(): Promise<SoakSwarm> {
  const dockerd = await startDockerd({ swarmInit: true });
  return {
    description: "single-node swarm (private dockerd, manager)",
    managerEndpoint: dockerd.endpoint,
    docker: dockerd.docker,
    async restartManager(downMs) {
      await dockerd.pause();
      await new Promise((r) => setTimeout(r, downMs));
      await dockerd.resume();
    },
    stop: () => dockerd.stop(),
  };
}
