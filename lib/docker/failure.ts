// Why a call to a Docker engine failed, as a reason for code and a sentence for the admin. Covers the local
// socket, the SSH leg (through lib/ssh's explanations) and the engine's own HTTP errors.
import { explainSshFailure } from "@/lib/ssh/errors";
import { seconds } from "@/lib/seconds";
import { fingerprintSha256 } from "@/lib/ssh/keys";
import type { DockerClient, DockerContextAccess } from "@/lib/docker/engine";

/** Where the docker CLI on a host looks for the engine when DOCKER_HOST does not say otherwise. */
const REMOTE_DOCKER_SOCKET = "/var/run/docker.sock";

export type DockerFailureReason = "host_key_changed" | "unreachable" | "timeout" | "auth_refused" | "engine_error";

export interface DockerFailure {
  reason: DockerFailureReason;
  message: string;
  /** for host_key_changed: the key the host presented */
  presented?: { algorithm: string; fingerprintSha256: string };
  /** for host_key_changed: the pinned fingerprints */
  pinned?: string[];
}

/** What docker-modem and ssh2 errors carry besides their message. */
interface ErrorFields {
  message?: string;
  code?: string | number;
  /** ssh2: the stage that failed ("client-socket", "client-timeout", "client-authentication", "protocol", …) */
  level?: string;
  /** docker-modem: the engine's HTTP status */
  statusCode?: number;
  /** docker-modem: the engine's error body */
  json?: { message?: string } | null;
}

function fields(err: unknown): ErrorFields {
  return err && typeof err === "object" ? (err as ErrorFields) : { message: String(err) };
}

/** What the engine said, without docker-modem's "(HTTP code 404) unexpected - " in front. */
export function engineMessage(err: unknown): string {
  const f = fields(err);
  const said = f.json && typeof f.json === "object" ? f.json.message : undefined;
  // for streaming calls (pull) docker-modem keeps the engine's answer only in the message
  return (said || f.message || String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
}

export function timeoutFailure(client: DockerClient, timeoutMs: number): DockerFailure {
  const how = client.endpoint.kind === "ssh" ? "Check that the host is up, that sshd and Docker run there, and that no firewall drops the connection." : "Check that dockerd is running and not stuck (systemctl status docker).";
  return { reason: "timeout", message: `The Docker engine at ${client.target} did not answer within ${seconds(timeoutMs)}. ${how}` };
}

function pinnedFingerprints(ctx: DockerContextAccess): string[] {
  return (ctx.ssh?.pinnedKeys ?? []).map((p) => {
    try {
      return fingerprintSha256(p.publicKey);
    } catch {
      return p.fingerprintSha256;
    }
  });
}

function hostKeyChanged(client: DockerClient, ctx: DockerContextAccess, presented: { algorithm: string; fingerprintSha256: string }): DockerFailure {
  const pinned = pinnedFingerprints(ctx);
  const host = ctx.ssh?.address ?? client.target;
  return {
    reason: "host_key_changed",
    message: `host key for ${host} changed (presented ${presented.fingerprintSha256}, pinned ${pinned.join(", ")}); accept the new key under Hosts if the change is expected. Slipway did not log in.`,
    presented,
    pinned,
  };
}

function unixFailure(client: DockerClient, f: ErrorFields): DockerFailure | undefined {
  const socket = client.target;
  switch (f.code) {
    case "ENOENT":
      return { reason: "unreachable", message: `There is no Docker socket at ${socket}: is Docker installed and dockerd running on the console's machine? Check the path.` };
    case "ECONNREFUSED":
      return { reason: "unreachable", message: `Nothing listens on ${socket}: dockerd is not running (start it, e.g. systemctl start docker).` };
    case "EACCES":
    case "EPERM":
      return { reason: "auth_refused", message: `The console's user may not open ${socket}: add that user to the docker group (or give it access to the socket) and restart the console.` };
    case "ENOTSOCK":
      return { reason: "unreachable", message: `${socket} is not a socket: give the path of dockerd's socket, such as /var/run/docker.sock.` };
  }
  return undefined;
}

function sshFailure(client: DockerClient, ctx: DockerContextAccess, err: unknown, f: ErrorFields, timeoutMs: number): DockerFailure | undefined {
  const ssh = ctx.ssh;
  if (!ssh) return undefined;
  const verdict = client.hostKeyVerdict();
  if (verdict && !verdict.accepted) {
    return hostKeyChanged(client, ctx, { algorithm: verdict.presented.algorithm, fingerprintSha256: verdict.presented.fingerprintSha256 });
  }
  // ssh2's errors carry a level; socket errors before the handshake come through ssh2 as "client-socket"
  if (f.level === undefined) return undefined;
  const explained = explainSshFailure(err, ssh.address, ssh.port, timeoutMs);
  switch (explained.kind) {
    case "timeout":
      return { reason: "timeout", message: explained.message };
    case "auth_refused":
      return {
        reason: "auth_refused",
        message: `${client.target} refused Slipway's deployer key: add the deployer public key (Settings → Deployer key) to ~${ssh.user}/.ssh/authorized_keys on the host.`,
      };
    case "no_common_host_key_algorithm":
      return {
        reason: "host_key_changed",
        message: `${ssh.address} no longer offers the pinned kind of host key; its host keys may have been replaced. Scan its keys under Hosts and compare them before accepting.`,
        pinned: pinnedFingerprints(ctx),
      };
    case "bad_private_key":
      return { reason: "auth_refused", message: explained.message };
    default:
      return { reason: "unreachable", message: explained.message };
  }
}

const SOCKET_ERROR_CODES = new Set(["ENOENT", "ECONNREFUSED", "EACCES", "EPERM", "ENOTSOCK", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "EHOSTDOWN", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT"]);

/**
 * Whether a dockerode call failed on the way to the engine (the socket, the SSH leg, or the remote
 * `docker system dial-stdio`) rather than with an answer of the engine: explainDockerFailure then says what
 * refused (the local socket, the SSH host and port, or the Docker socket on the remote host).
 */
export function isConnectionFailure(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const f = fields(err);
  if (typeof f.statusCode === "number") return false;
  if (typeof f.level === "string") return true;
  if (typeof f.code === "string" && SOCKET_ERROR_CODES.has(f.code)) return true;
  return /socket hang up|connection closed|other side closed/i.test(f.message ?? "");
}

/**
 * Turns what a dockerode call rejected with into a failure in words. Call it only after the caller's own
 * signal and the deadline were ruled out.
 */
export function explainDockerFailure(client: DockerClient, ctx: DockerContextAccess, err: unknown, timeoutMs: number): DockerFailure {
  const f = fields(err);
  const known = client.endpoint.kind === "unix" ? unixFailure(client, f) : sshFailure(client, ctx, err, f, timeoutMs);
  if (known) return known;

  if (typeof f.statusCode === "number") {
    const said = (f.json && typeof f.json === "object" && f.json.message) || "no message";
    return { reason: "engine_error", message: `The Docker engine at ${client.target} answered HTTP ${f.statusCode}: ${said}. Check dockerd's log on that machine.` };
  }
  if (client.endpoint.kind === "ssh") {
    // the login worked (no ssh2 error), so the remote command is what failed: the remote docker CLI could not
    // reach the engine's socket on that host (the local dockerd plays no part)
    const user = ctx.ssh?.user ?? "the user";
    const host = ctx.ssh?.address ?? client.target;
    return {
      reason: "engine_error",
      message:
        `Logged in to ${client.target}, but Docker did not answer through \`docker system dial-stdio\` (${f.message ?? "connection closed"}): ` +
        `the Docker socket on ${host} (${REMOTE_DOCKER_SOCKET}, or the one DOCKER_HOST names for ${user} there) refused the connection or is missing. ` +
        `Check that Docker is installed there, that dockerd runs on ${host} (systemctl status docker), and that ${user} may use its socket (member of the docker group).`,
    };
  }
  return { reason: "engine_error", message: `Talking to the Docker engine at ${client.target} failed: ${f.message ?? String(err)}. Check that the socket is dockerd's.` };
}
