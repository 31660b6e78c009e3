// "Test" for a docker context (reach the engine through the host's pinned keys and the deployer key; ask
// its version, info and swarm state) and "Test login" for a registry. The results are stored on the row
// and audited; they reach out from the web process with a bounded timeout.
import { z } from "zod";
import { getDb, type Prisma } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { rowId } from "@/lib/validation/ids";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { describeContextTest, testDockerContext } from "@/lib/docker/context-check";
import { contextAccess } from "@/lib/services/inventory/access";
import { DockerContextError } from "@/lib/docker/engine";
import { DockerEndpointError } from "@/lib/docker/endpoint";
import { SshError } from "@/lib/ssh/errors";
import { testRegistryLogin } from "@/lib/registry/login";

export const CONTEXT_TEST_TIMEOUT_MS = 15_000;

const id = rowId;

export async function testContext(actor: Actor, raw: unknown, signal?: AbortSignal): Promise<{ ok: boolean; message: string }> {
  authorize(actor, "inventory.test");
  const { context_id } = parseInput(z.object({ context_id: id }), raw);
  const { name, access } = await contextAccess(context_id);
  let stored: { ok: boolean; message: string; [key: string]: Prisma.InputJsonValue };
  try {
    const result = await testDockerContext(access, { timeoutMs: CONTEXT_TEST_TIMEOUT_MS, signal });
    const message = describeContextTest(name, result);
    stored = result.ok
      ? { ok: true, message, version: result.version, apiVersion: result.apiVersion, os: result.os, arch: result.arch, swarm: result.swarm }
      : { ok: false, message, reason: result.reason };
  } catch (err) {
    // states an admin can be in (no accepted host key yet, no registered host): results, not server errors
    if (!(err instanceof SshError || err instanceof DockerContextError || err instanceof DockerEndpointError)) throw err;
    const message = !access.ssh && access.endpoint.startsWith("ssh://")
      ? `${name}: no registered host serves ${access.endpoint}; register the host under Hosts and save the context again.`
      : `${name}: ${err.message}`;
    stored = { ok: false, message, reason: err instanceof SshError ? err.kind : "configuration" };
  }
  const { ok, message } = stored;
  await getDb().$transaction(async (tx) => {
    await tx.dockerContext.update({ where: { id: context_id }, data: { lastCheckedAt: new Date(), lastCheckResult: stored } });
    await recordAudit(tx, { actor, action: "docker_context.checked", subjectType: "docker_context", subjectId: context_id, summary: message, after: { ok } });
  });
  return { ok, message };
}

export async function testRegistry(actor: Actor, raw: unknown, signal?: AbortSignal): Promise<{ ok: boolean; message: string }> {
  authorize(actor, "inventory.test");
  const { registry_id } = parseInput(z.object({ registry_id: id }), raw);
  const reg = await getDb().registry.findUnique({ where: { id: registry_id } });
  if (!reg) throw new NotFoundError("That registry does not exist any more; reload the page.");
  const password = reg.passwordSecretId ? await revealSecret(reg.passwordSecretId) : null;
  const result = await testRegistryLogin({ url: reg.url, username: reg.username, password, timeoutMs: CONTEXT_TEST_TIMEOUT_MS, signal });
  const message = `${reg.name}: ${result.message}`;
  await getDb().$transaction(async (tx) => {
    await tx.registry.update({ where: { id: reg.id }, data: { lastCheckedAt: new Date(), lastCheckResult: message } });
    await recordAudit(tx, { actor, action: "registry.checked", subjectType: "registry", subjectId: reg.id, summary: message, after: { ok: result.ok } });
  });
  return { ok: result.ok, message };
}
