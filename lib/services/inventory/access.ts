// How Slipway reaches a docker context or a host: the endpoint, the host's address, port, user and pinned
// keys, and the deployer key. The build runner, the deployment drivers (lib/deploy/access.ts) and the
// console's checks (checks.ts, target-check.ts) all ask here.
import { getDb, type Prisma } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { deployerCredentials } from "@/lib/services/deployer-key";
import type { DockerContextAccess } from "@/lib/docker/engine";
import type { SshTarget } from "@/lib/ssh/connect";

/** How to reach a context: its endpoint and, for ssh://, its host's address, pinned keys and the deployer key. */
export async function contextAccess(contextId: string): Promise<{ name: string; access: DockerContextAccess }> {
  const ctx = await getDb().dockerContext.findUnique({ where: { id: contextId }, include: { host: { include: { keys: true } } } });
  if (!ctx) throw new NotFoundError("That docker context does not exist any more; reload the page.");
  if (!ctx.endpoint.startsWith("ssh://")) return { name: ctx.name, access: { endpoint: ctx.endpoint } };
  const creds = await deployerCredentials();
  const host = ctx.host;
  return {
    name: ctx.name,
    access: { endpoint: ctx.endpoint, ssh: host ? sshAccess(host, ctx.endpoint.match(/^ssh:\/\/([^@]+)@/)?.[1] ?? host.user, creds.privateKey) : undefined },
  };
}

/** How to log in to a registered host over SSH: its address, port and user, its pinned keys and the deployer key. */
export async function hostAccess(hostId: string): Promise<SshTarget> {
  const host = await getDb().host.findUnique({ where: { id: hostId }, include: { keys: true } });
  if (!host) throw new NotFoundError("That host does not exist any more; reload the page.");
  const creds = await deployerCredentials();
  return sshAccess(host, host.user, creds.privateKey);
}

function sshAccess(host: Prisma.HostGetPayload<{ include: { keys: true } }>, user: string, privateKey: string): SshTarget {
  return {
    address: host.address,
    port: host.port,
    user,
    pinnedKeys: host.keys.map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: k.fingerprintSha256 })),
    privateKey,
  };
}
