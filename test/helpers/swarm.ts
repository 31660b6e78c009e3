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
