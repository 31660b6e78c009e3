// A dockerode client for a Docker context: the local socket, or the remote engine through SSH with the
// registered host's pinned keys and Slipway's deployer key (the remote runs `docker system dial-stdio`).
import type { Agent } from "node:http";
import Dockerode from "dockerode";
import { parseDockerEndpoint, type DockerEndpoint } from "@/lib/docker/endpoint";
import { sshConnectConfig, type HostKeyVerdict, type PinnedKey } from "@/lib/ssh/connect";
import { sshDockerAgent } from "@/lib/docker/ssh-agent";

export type { HostKeyVerdict, PinnedKey };

/** How to log in to the host an ssh:// endpoint names; the services layer loads it from the registered host. */
export interface DockerSshAccess {
  address: string;
  port: number;
  user: string;
  pinnedKeys: PinnedKey[];
  /** the deployer's private key (OpenSSH format); handed to ssh2 only, never logged */
  privateKey: string;
}

export interface DockerContextAccess {
  /** unix:///path or ssh://user@host[:port] */
  endpoint: string;
  /** required for ssh:// endpoints; its address, port and user are the ones connected to */
  ssh?: DockerSshAccess;
}

export interface DockerClient {
  docker: Dockerode;
  endpoint: DockerEndpoint;
  /** how messages name the engine: the socket path, or user@host:port */
  target: string;
  /** for ssh://: what the host verifier decided about the last key presented (null before any handshake) */
  hostKeyVerdict(): HostKeyVerdict | null;
}

/** Thrown when a context cannot even be turned into a client (a programming or configuration slip). */
export class DockerContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerContextError";
  }
}

function sshTarget(ssh: DockerSshAccess): string {
  const host = ssh.address.includes(":") ? `[${ssh.address}]` : ssh.address;
  return `${ssh.user}@${host}:${ssh.port}`;
}

/**
 * A client for the context. Nothing connects until the first call. Options that docker-modem would take from
 * the console's own environment (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CLIENT_TIMEOUT, SSH_AUTH_SOCK, …) are
 * set explicitly, so the environment never redirects a context.
 *
 * For ssh:// every API request opens its own SSH connection (lib/docker/ssh-agent.ts) with the pinned-key
 * host verifier; `timeoutMs` bounds each handshake and login. Pass `abortSignal` to calls to bound them.
 * Throws DockerEndpointError for an invalid endpoint, DockerContextError when ssh:// comes without `ssh`,
 * and SshError ("no_pinned_keys", "bad_pinned_key") when the host has no usable pinned keys.
 */
export function dockerClient(ctx: DockerContextAccess, opts: { timeoutMs?: number } = {}): DockerClient {
  const endpoint = parseDockerEndpoint(ctx.endpoint);
  const explicit = { host: undefined, port: undefined, ca: undefined, cert: undefined, key: undefined, timeout: undefined, pathPrefix: undefined };

  if (endpoint.kind === "unix") {
    const docker = new Dockerode({ ...explicit, socketPath: endpoint.socketPath, protocol: "http" });
    return { docker, endpoint, target: endpoint.socketPath, hostKeyVerdict: () => null };
  }

  const ssh = ctx.ssh;
  if (!ssh) {
    throw new DockerContextError(`the endpoint ${ctx.endpoint} needs the registered host's SSH access (address, pinned keys, deployer key); register the host under Hosts`);
  }
  const { config, verdict } = sshConnectConfig({ ...ssh, timeoutMs: opts.timeoutMs });
  // plain HTTP through Slipway's own SSH agent (lib/docker/ssh-agent.ts), not docker-modem's "ssh" protocol: host
  // and port only name the engine in the Host header; no SSH agent socket, no agent forwarding, only the deployer key
  // docker-modem takes `agent` (its Modem keeps it for every request); @types/dockerode does not list it
  const options: Dockerode.DockerOptions & { agent: Agent } = {
    ...explicit,
    protocol: "http",
    host: ssh.address,
    port: ssh.port,
    agent: sshDockerAgent({ ...config, agent: undefined, agentForward: false }),
  };
  const docker = new Dockerode(options);
  return { docker, endpoint, target: sshTarget(ssh), hostKeyVerdict: verdict };
}
