// Which driver deploys to which kind of target. A kind without a driver is refused in
// words, and the deployment fails with that reason; the drift check leaves its targets alone.
import type { TargetKind } from "@/lib/generated/prisma/enums";
import type { TargetDriver } from "@/lib/deploy/targets/driver";
import { swarmDriver } from "@/lib/deploy/targets/swarm/driver";
import { composeDriver } from "@/lib/deploy/targets/compose/driver";
import { unikernelDriver } from "@/lib/deploy/targets/unikernel/driver";
import { artifactRepositoryDriver } from "@/lib/deploy/targets/artifact-repository/driver";

const drivers: Partial<Record<TargetKind, TargetDriver>> = {
  swarm_service: swarmDriver,
  compose_service: composeDriver,
  unikernel: unikernelDriver,
  artifact_repository: artifactRepositoryDriver,
};

/** The kinds this worker can deploy to, inspect and re-verify. */
export const drivenKinds = Object.keys(drivers) as TargetKind[];

export function driverFor(kind: TargetKind): TargetDriver {
  const driver = drivers[kind];
  if (!driver) throw new Error(`no driver for target kind ${kind}: this version of Slipway cannot deploy to, inspect or re-verify such targets yet`);
  return driver;
}
