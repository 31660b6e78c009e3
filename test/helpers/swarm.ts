// What a swarm service runs, asked with the test's own client (independently of the code under test).
import type Dockerode from "dockerode";

interface TaskRow {
  DesiredState?: string;
  Status?: { State?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

/** Images of the tasks the swarm wants running and that run. */
export async function runningImages(docker: Dockerode, serviceId: string): Promise<string[]> {
  const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as TaskRow[];
  return tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running").map((t) => t.Spec?.ContainerSpec?.Image ?? "");
}

/** One row of `docker service ps SERVICE` (the tasks the swarm wants running, or every task with `all`). */
export interface ServicePsRow {
  id: string;
  slot: number | null;
  nodeId: string;
  image: string;
  desired: string;
  state: string;
  /** Status.Err, or Status.Message when there is no error ("" when neither) */
  error: string;
}

/** `docker service ps` through the Engine API (GET /tasks?filters={"service":[id]}), asked on a manager. */
export async function servicePs(docker: Dockerode, serviceId: string, opts: { all?: boolean } = {}): Promise<ServicePsRow[]> {
  const tasks = (await docker.listTasks({ filters: { service: [serviceId], ...(opts.all ? {} : { "desired-state": ["running"] }) } })) as Array<
    TaskRow & { ID: string; Slot?: number; NodeID?: string; Status?: { State?: string; Err?: string; Message?: string } }
  >;
  return tasks
    .map((t) => ({
      id: t.ID,
      slot: t.Slot ?? null,
      nodeId: t.NodeID ?? "",
      image: t.Spec?.ContainerSpec?.Image ?? "",
      desired: t.DesiredState ?? "",
      state: t.Status?.State ?? "",
      error: t.Status?.Err ?? t.Status?.Message ?? "",
    }))
    .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || a.nodeId.localeCompare(b.nodeId));
}
