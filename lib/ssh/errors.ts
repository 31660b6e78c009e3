// Why an SSH connection failed, as a kind for code and a sentence for the admin: what happened and what to do.
// Messages never contain key material: ssh2's own messages are kept only where they name a protocol step.
import { seconds } from "@/lib/seconds";

export type SshErrorKind =
  | "timeout" // no answer within the time limit
  | "refused" // nothing listens on the port
  | "unreachable" // no route to the host or network
  | "dns" // the host name does not resolve
  | "not_ssh" // something answered, but not an SSH server
  | "closed" // the server closed or reset the connection
  | "no_common_host_key_algorithm" // the server offers none of the host key kinds asked for
  | "host_key_changed" // the server presented a key that is not pinned
  | "no_pinned_keys" // nothing to check the server's key against: never connects
  | "bad_pinned_key" // a pinned key is not a valid key
  | "auth_refused" // the server did not accept the deployer key
  | "bad_private_key" // the private key could not be read
  | "aborted" // the caller's AbortSignal fired
  | "permission_denied" // logged in, but the user may not read or write that path
  | "not_found" // logged in, but the path (or its directory) does not exist
  | "too_large" // a remote file is larger than the caller reads
  | "remote_failure" // logged in, but the host could not do what was asked (disk full, not a link, …)
  | "protocol"; // any other SSH protocol failure

export interface PresentedHostKey {
  algorithm: string;
  publicKey: string;
  fingerprintSha256: string;
}

export class SshError extends Error {
  /** for "host_key_changed": the key the server presented and the pinned fingerprints */
  readonly hostKey?: { presented: PresentedHostKey; pinned: string[] };

  constructor(
    readonly kind: SshErrorKind,
    message: string,
    options: { cause?: unknown; hostKey?: { presented: PresentedHostKey; pinned: string[] } } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SshError";
    if (options.hostKey) this.hostKey = options.hostKey;
  }
}

/** `host:port`, with IPv6 addresses in brackets. */
export function endpoint(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

export function timeoutError(address: string, port: number, timeoutMs: number): SshError {
  return new SshError(
    "timeout",
    `Timed out after ${seconds(timeoutMs)} connecting to ${endpoint(address, port)}. Check the address and port, and that no firewall drops Slipway's connections.`,
  );
}

export function abortedError(address: string, port: number, reason?: unknown): SshError {
  return new SshError("aborted", `Stopped connecting to ${endpoint(address, port)}: the operation was cancelled.`, { cause: reason });
}

/** ssh2 error objects carry `level` and sometimes `code`. */
interface Ssh2Failure {
  message: string;
  code?: string | number;
  level?: string;
}

function asFailure(err: unknown): Ssh2Failure {
  if (err && typeof err === "object" && "message" in err) return err as Ssh2Failure;
  return { message: String(err) };
}

const NOT_SSH_MESSAGES = ["Invalid identification string", "Invalid header", "Max greeting lines exceeded", "Header line too long", "Bad packet length", "Bad identification"];

/** Turns an ssh2 or socket error into an SshError whose message says what to do. */
export function explainSshFailure(err: unknown, address: string, port: number, timeoutMs: number): SshError {
  if (err instanceof SshError) return err;
  const f = asFailure(err);
  const where = endpoint(address, port);
  const cannotReach = (kind: SshErrorKind, reason: string, advice: string) => new SshError(kind, `Cannot reach ${where}: ${reason}. ${advice}`, { cause: err });

  switch (f.code) {
    case "ECONNREFUSED":
      return cannotReach("refused", "connection refused", `Check that sshd runs on the host and listens on port ${port}.`);
    case "EHOSTUNREACH":
    case "EHOSTDOWN":
      return cannotReach("unreachable", "no route to host", "Check the address and the network between Slipway and the host.");
    case "ENETUNREACH":
      return cannotReach("unreachable", "network unreachable", "Check the address and the network between Slipway and the host.");
    case "ENOTFOUND":
      return cannotReach("dns", "cannot resolve host name", `Check the spelling of ${address}, or give its IP address.`);
    case "EAI_AGAIN":
      return cannotReach("dns", "cannot resolve host name right now (the DNS lookup failed)", "Try again, or give the host's IP address.");
    case "ETIMEDOUT":
      return timeoutError(address, port, timeoutMs);
    case "ECONNRESET":
    case "EPIPE":
      return new SshError("closed", `${where} reset the connection before the SSH login finished. Check that the port is sshd's and that sshd allows Slipway's address.`, { cause: err });
  }
  if (f.level === "client-timeout") return timeoutError(address, port, timeoutMs);
  if (f.level === "client-authentication") {
    return new SshError("auth_refused", `${where} refused the deployer key. Add Slipway's public key to the user's ~/.ssh/authorized_keys on the host.`, { cause: err });
  }
  if (f.message === "Connection lost before handshake" || NOT_SSH_MESSAGES.some((m) => f.message.startsWith(m))) {
    return new SshError("not_ssh", `${where} did not answer like an SSH server (${f.message}). Check the port: is sshd listening there?`, { cause: err });
  }
  if (f.message.includes("no matching host key format")) {
    return new SshError("no_common_host_key_algorithm", `${where} offers none of the requested kinds of host key.`, { cause: err });
  }
  if (typeof f.code === "number") {
    // an SSH_MSG_DISCONNECT from the server; its description comes from the server
    return new SshError("closed", `${where} ended the connection: ${f.message}.`, { cause: err });
  }
  return new SshError("protocol", `SSH connection to ${where} failed: ${f.message}.`, { cause: err });
}
