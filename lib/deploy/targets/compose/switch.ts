// Switching one container of a compose service to the new image, putting it back when the switch fails,
// and clearing what a deploy that died half-way left behind.
import type Dockerode from "dockerode";
import {
  containerName,
  inspectContainer,
  listedName,
  NEW_SUFFIX,
  OLD_SUFFIX,
  removeContainer,
  renameContainer,
  RESTORE_CALL_MS,
  shortId,
  startContainer,
  stopContainer,
} from "@/lib/deploy/targets/compose/containers";
import { engineMessage } from "@/lib/docker/failure";
import { createNewContainer, oldImageConfig, planNewContainer } from "@/lib/deploy/targets/compose/new-container";
import { StepFailure, waitUntilUp } from "@/lib/deploy/targets/compose/started";
import type { DeployComposeOptions } from "@/lib/deploy/targets/compose/service";

/** One container of the service, and how far its switch went. */
export interface Slot {
  name: string;
  oldId: string;
  oldWasRunning: boolean;
  stopSeconds: number;
  /** set once the new container exists */
  newId?: string;
  /** set once anything was changed for this container */
  touched: boolean;
}

export async function switchContainer(docker: Dockerode, slot: Slot, image: string, imageId: string, opts: DeployComposeOptions): Promise<void> {
  const { signal, log } = opts;
  const name = slot.name;
  const old = await docker.getContainer(slot.oldId).inspect({ abortSignal: signal });
  const oldImage = await oldImageConfig(docker, old, signal);
  if (!oldImage) log(`${name}: its image ${shortId(old.Image)} is gone, so its whole configuration is copied (image defaults included)`);
  const plan = planNewContainer(old, oldImage, image, imageId);

  const temporary = `${name}${NEW_SUFFIX}`;
  log(`${name}: creating a new container on ${image} as ${temporary}`);
  slot.touched = true;
  try {
    slot.newId = await createNewContainer(docker, temporary, plan, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new StepFailure(`the engine refused to create the new container for ${name}: ${engineMessage(err)}`, "engine_error");
  }
  if (slot.oldWasRunning) {
    log(`${name}: stopping the old container (it gets up to ${slot.stopSeconds} s)`);
    await stopContainer(docker, slot.oldId, slot.stopSeconds, signal);
  }
  log(`${name}: renaming the old container to ${name}${OLD_SUFFIX}`);
  await renameContainer(docker, slot.oldId, `${name}${OLD_SUFFIX}`, signal);
  log(`${name}: renaming ${temporary} to ${name}`);
  await renameContainer(docker, slot.newId, name, signal);
  log(`${name}: starting the new container ${shortId(slot.newId)}`);
  try {
    await startContainer(docker, slot.newId, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new StepFailure(`${name} could not start on ${image}: ${engineMessage(err)}`, "start_failed");
  }
  const healthy = await waitUntilUp(docker, slot.newId, name, opts, log);
  log(`${name}: the new container is up${healthy ? " and healthy" : ""}`);
}

/**
 * Puts a slot back as it was before the deploy, from what the engine says now (a switch can stop anywhere):
 * the new container is removed, the old one gets its name back and is started if it was running.
 */
async function restoreSlot(docker: Dockerode, slot: Slot, log: (line: string) => void): Promise<void> {
  const callSignal = () => AbortSignal.timeout(slot.stopSeconds * 1000 + RESTORE_CALL_MS);
  const name = slot.name;
  for (const ref of [slot.newId, `${name}${NEW_SUFFIX}`, name]) {
    if (!ref) continue;
    const found = await inspectContainer(docker, ref, callSignal());
    if (found && found.Id !== slot.oldId) {
      log(`${name}: removing the new container ${shortId(found.Id)}`);
      // v: anonymous volumes only the new container made; the old one's were mounted by name and are kept
      await removeContainer(docker, found.Id, callSignal(), true);
    }
  }
  const old = await inspectContainer(docker, slot.oldId, callSignal());
  if (!old) throw new Error(`the previous container of ${name} (${shortId(slot.oldId)}) no longer exists`);
  if (containerName(old) !== name) {
    log(`${name}: renaming ${containerName(old)} back to ${name}`);
    await renameContainer(docker, slot.oldId, name, callSignal());
  }
  if (slot.oldWasRunning && !old.State.Running) {
    log(`${name}: starting the previous container again`);
    await startContainer(docker, slot.oldId, callSignal());
  }
}

/** Restores the slots, last switched first; returns what could not be restored. */
export async function restoreAll(docker: Dockerode, slots: Slot[], log: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  for (const slot of [...slots].reverse()) {
    if (!slot.touched) continue;
    try {
      await restoreSlot(docker, slot, log);
    } catch (err) {
      const problem = `${slot.name}: ${engineMessage(err)}`;
      log(`${slot.name}: could not be restored: ${engineMessage(err)}`);
      problems.push(problem);
    }
  }
  return problems;
}

/**
 * Containers named like Slipway's temporary ones are left by a deploy that died half-way (the process was
 * killed). A "-slipway-new" one never ran: it goes. A "-slipway-old" one goes when its container was
 * switched; when its name is free, the switch stopped in the middle and it takes its name back.
 */
export async function clearLeftovers(docker: Dockerode, leftovers: Dockerode.ContainerInfo[], current: Set<string>, opts: DeployComposeOptions): Promise<string[]> {
  const reclaimed: string[] = [];
  for (const c of leftovers) {
    const name = listedName(c);
    if (name.endsWith(NEW_SUFFIX)) {
      opts.log(`Removing ${name}, left over by an earlier deploy that did not finish`);
      await removeContainer(docker, c.Id, opts.signal, true);
      continue;
    }
    const original = name.slice(0, -OLD_SUFFIX.length);
    if (current.has(original)) {
      opts.log(`Removing ${name}, the previous container of ${original} left over by an earlier deploy`);
      await removeContainer(docker, c.Id, opts.signal, false);
    } else {
      opts.log(`Renaming ${name} back to ${original}: an earlier deploy stopped half-way through replacing it`);
      await renameContainer(docker, c.Id, original, opts.signal);
      reclaimed.push(c.Id);
    }
  }
  return reclaimed;
}
