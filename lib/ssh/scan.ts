// "Scan host keys": asks a server for each kind of host key it has, like ssh-keyscan, without logging in.
// One connection per host key algorithm; the host verifier records the key and refuses it, which ends the
// handshake before any authentication.
import type { ConnectConfig } from "ssh2";
import { connectClient, DEFAULT_TIMEOUT_MS, type AttemptOptions } from "@/lib/ssh/client";
import { endpoint, SshError } from "@/lib/ssh/errors";
import { blobAlgorithm, checkPublicKey, fingerprintSha256, type KeyAlgorithm } from "@/lib/ssh/keys";

export interface ScannedHostKey {
  /** the key's type as in its blob and in known_hosts (RSA keys are "ssh-rsa") */
  algorithm: KeyAlgorithm;
  /** the key blob, base64 */
  publicKey: string;
  fingerprintSha256: string;
}

export interface ScanOptions {
  address: string;
  port: number;
  /** per connection; default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// rsa-sha2-512 before ssh-rsa: OpenSSH 8.8+ no longer signs with ssh-rsa (SHA-1), but it is the same key
const SCAN_ALGORITHMS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "ssh-rsa"] as const;

/** The host key the server presents when only `algorithm` is allowed; undefined when it has none of that kind. */
async function presentedKey(algorithm: (typeof SCAN_ALGORITHMS)[number], opts: AttemptOptions): Promise<ScannedHostKey | undefined> {
  let presented: Buffer | undefined;
  const config: ConnectConfig = {
    username: "slipway-scan",
    algorithms: { serverHostKey: [algorithm] },
    tryKeyboard: false,
    hostVerifier: (key: Buffer) => {
      presented = Buffer.from(key);
      return false;
    },
  };
  try {
    const client = await connectClient(config, opts);
    client.end(); // unreachable in practice: the verifier refuses every key
  } catch (err) {
    if (!presented) {
      if (err instanceof SshError && err.kind === "no_common_host_key_algorithm") return undefined;
      throw err;
    }
  }
  if (!presented) return undefined;
  const publicKey = presented.toString("base64");
  const checked = checkPublicKey(blobAlgorithm(presented), publicKey);
  return { algorithm: checked.algorithm, publicKey, fingerprintSha256: fingerprintSha256(presented) };
}

/**
 * The server's host keys, one per kind it offers, de-duplicated by fingerprint. Rejects with an SshError
 * ("timeout", "refused", "unreachable", "dns", "not_ssh", "aborted", …) when the server cannot be scanned, and
 * with "no_common_host_key_algorithm" when it has none of the kinds Slipway supports.
 */
export async function scanHostKeys(opts: ScanOptions): Promise<ScannedHostKey[]> {
  const attempt = { ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const found: ScannedHostKey[] = [];
  for (const algorithm of SCAN_ALGORITHMS) {
    // a server presents one RSA key whatever the signature algorithm: skip the SHA-1 one when it is known
    if (algorithm === "ssh-rsa" && found.some((k) => k.algorithm === "ssh-rsa")) continue;
    const key = await presentedKey(algorithm, attempt);
    if (key && !found.some((k) => k.fingerprintSha256 === key.fingerprintSha256)) found.push(key);
  }
  if (found.length === 0) {
    throw new SshError(
      "no_common_host_key_algorithm",
      `${endpoint(opts.address, opts.port)} offers no host key Slipway supports (ssh-ed25519, ecdsa-sha2-nistp256/384/521, RSA). Add an ed25519 host key to its sshd (ssh-keygen -A) and scan again.`,
    );
  }
  return found;
}
