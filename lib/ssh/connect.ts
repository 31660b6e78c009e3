// SSH connections to registered hosts, with their host keys pinned: ssh2 settings that accept only a pinned
// key (also what dockerode's `sshOptions` gets), opening a logged-in client, and the "Check connection" probe.
import type ssh2 from "ssh2";
import type { ConnectConfig } from "ssh2";
import { connectClient, DEFAULT_TIMEOUT_MS } from "@/lib/ssh/client";
import { endpoint, explainSshFailure, SshError, type PresentedHostKey } from "@/lib/ssh/errors";
import { blobAlgorithm, checkPublicKey, fingerprintSha256, KeyFormatError, type KeyAlgorithm } from "@/lib/ssh/keys";
import { scanHostKeys } from "@/lib/ssh/scan";
import { reportHostKeyRefused } from "@/lib/ssh/host-key-events";

/** A host key an admin accepted. The blob (publicKey, base64) is what is compared; its type is what is asked for. */
export type PinnedKey = { algorithm: string; publicKey: string; fingerprintSha256: string };

/** What the host verifier decided about the key the server presented. */
export interface HostKeyVerdict {
  accepted: boolean;
  presented: PresentedHostKey;
}

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  pinnedKeys: PinnedKey[];
  /** OpenSSH or PEM private key text; handed to ssh2 only */
  privateKey: string;
  /** handshake and login; default 10000 */
  timeoutMs?: number;
}

// the signature algorithms a server may use with each kind of key (RSA: SHA-2 first; ssh-rsa is SHA-1)
const SERVER_HOST_KEY_ALGORITHMS: Record<KeyAlgorithm, ssh2.ServerHostKeyAlgorithm[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

function noPinnedKeys(address: string, port: number): SshError {
  return new SshError("no_pinned_keys", `No host keys are pinned for ${endpoint(address, port)}: scan its host keys under Hosts and accept them before Slipway connects.`);
}

function hostKeyChanged(address: string, port: number, presented: PresentedHostKey, pinned: string[]): SshError {
  return new SshError(
    "host_key_changed",
    `Host key for ${endpoint(address, port)} changed: it presented ${presented.fingerprintSha256} (${presented.algorithm}), pinned ${pinned.length === 1 ? "is" : "are"} ${pinned.join(", ")}. If the change is expected, scan and accept the new key under Hosts.`,
    { hostKey: { presented, pinned } },
  );
}

/**
 * ssh2 connection settings for a host whose keys are pinned. The host verifier accepts only a presented key
 * whose blob equals a pinned key's blob, and `algorithms.serverHostKey` asks only for the pinned kinds, so the
 * server presents one of them. `verdict()` tells what the verifier last saw (null before any handshake), to
 * explain a refusal. No agent, no password, no keyboard-interactive: only `privateKey`.
 *
 * For dockerode: `new Docker({ protocol: "ssh", host: address, port, username: user, sshOptions: config })`.
 * docker-modem overwrites sshOptions' host, port and username with its own top-level options (even when those
 * are undefined), so pass them there too; it opens a new SSH connection per API request with these settings.
 *
 * Throws SshError "no_pinned_keys" when there is nothing to pin, "bad_pinned_key" when a pin is not a key.
 */
export function sshConnectConfig(opts: SshTarget): { config: ConnectConfig; verdict(): HostKeyVerdict | null } {
  const { address, port } = opts;
  if (opts.pinnedKeys.length === 0) throw noPinnedKeys(address, port);
  const pinned = opts.pinnedKeys.map((pin) => {
    try {
      return checkPublicKey(pin.algorithm, pin.publicKey);
    } catch (err) {
      if (!(err instanceof KeyFormatError)) throw err;
      throw new SshError("bad_pinned_key", `The pinned key ${pin.fingerprintSha256} for ${endpoint(address, port)} is not usable: ${err.message}. Remove it under Hosts and scan again.`);
    }
  });
  const serverHostKey = [...new Set(pinned.flatMap((p) => SERVER_HOST_KEY_ALGORITHMS[p.algorithm]))];

  let last: HostKeyVerdict | null = null;
  const hostVerifier = (key: Buffer): boolean => {
    let algorithm: string;
    try {
      algorithm = blobAlgorithm(key);
    } catch {
      algorithm = "unreadable key";
    }
    const accepted = pinned.some((p) => p.blob.equals(key));
    last = { accepted, presented: { algorithm, publicKey: key.toString("base64"), fingerprintSha256: fingerprintSha256(key) } };
    if (!accepted) reportHostKeyRefused({ address, port, presented: { algorithm, fingerprintSha256: last.presented.fingerprintSha256 }, pinned: pinned.map((p) => fingerprintSha256(p.blob)) });
    return accepted;
  };

  const config: ConnectConfig = {
    host: address,
    port,
    username: opts.user,
    privateKey: opts.privateKey,
    hostVerifier,
    algorithms: { serverHostKey },
    readyTimeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    tryKeyboard: false,
  };
  return { config, verdict: () => last };
}

/** The fingerprints of the pinned keys, recomputed from their blobs. */
function pinnedFingerprints(pins: PinnedKey[]): string[] {
  return pins.map((p) => {
    try {
      return fingerprintSha256(p.publicKey);
    } catch {
      return p.fingerprintSha256;
    }
  });
}

interface OpenHooks {
  setup?: (client: ssh2.Client) => void;
  debug?: (line: string) => void;
}

async function open(opts: SshTarget & { signal?: AbortSignal }, hooks: OpenHooks = {}): Promise<{ client: ssh2.Client; hostKey: PresentedHostKey }> {
  const { address, port, signal } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { config, verdict } = sshConnectConfig({ ...opts, timeoutMs });
  const kinds = [...new Set(opts.pinnedKeys.map((p) => p.algorithm))].join(", ");
  const client = await connectClient(
    hooks.debug ? { ...config, debug: hooks.debug } : config,
    { address, port, timeoutMs, signal },
    {
      setup: hooks.setup,
      explain: (err) => {
        const v = verdict();
        if (v && !v.accepted) return hostKeyChanged(address, port, v.presented, pinnedFingerprints(opts.pinnedKeys));
        const explained = explainSshFailure(err, address, port, timeoutMs);
        if (explained.kind === "no_common_host_key_algorithm") {
          return new SshError(
            "no_common_host_key_algorithm",
            `${endpoint(address, port)} no longer offers the pinned kind of host key (${kinds}); its host keys may have been replaced. Scan its keys under Hosts and compare them before accepting.`,
            { cause: err },
          );
        }
        return explained;
      },
    },
  );
  // "ready" comes after the verifier accepted a key
  return { client, hostKey: verdict()!.presented };
}

/**
 * A logged-in ssh2 client for a host with pinned keys. Rejects with an SshError whose `kind` says why:
 * "no_pinned_keys" (without connecting), "host_key_changed" (`hostKey` has both sides; no login was attempted),
 * "auth_refused", "timeout", "refused", "unreachable", "dns", "not_ssh", "closed", "aborted", … Call `end()`.
 */
export function openSsh(opts: SshTarget & { signal?: AbortSignal }): Promise<ssh2.Client> {
  if (opts.pinnedKeys.length === 0) return Promise.reject(noPinnedKeys(opts.address, opts.port));
  return open(opts).then((opened) => opened.client);
}

export type HostCheckResult =
  | { status: "connected"; user: string; hostKey: { algorithm: string; fingerprintSha256: string }; serverIdent?: string; banner?: string }
  | { status: "no_pinned_keys" }
  | { status: "host_key_changed"; presented: { algorithm: string; fingerprintSha256: string }; pinned: string[] }
  | { status: "auth_refused"; user: string; /** the deployer's authorized_keys line to install */ publicKey: string }
  | { status: "timeout"; endpoint: string; seconds: number }
  | { status: "unreachable"; endpoint: string; /** a sentence: what failed and what to check */ message: string };

/**
 * "Check connection": logs in with the deployer key against the pinned host keys, then closes at once.
 * Outcomes an admin can act on are results; a cancelled check (signal) and Slipway-side problems (an unreadable
 * private key or pin) reject with SshError. With no pinned keys it does not connect at all.
 */
export async function checkHostConnection(opts: SshTarget & { deployerPublicKey: string; signal?: AbortSignal }): Promise<HostCheckResult> {
  const { address, port, user } = opts;
  if (opts.pinnedKeys.length === 0) return { status: "no_pinned_keys" };
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  let serverIdent: string | undefined;
  let banner: string | undefined;
  try {
    const { client, hostKey } = await open(
      { ...opts, timeoutMs },
      {
        setup: (c) => c.on("banner", (message: string) => (banner = message.trim())),
        // ssh2 reports the server's identification string only in its debug output
        debug: (line) => {
          const m = /^Remote ident: '(.*)'$/.exec(line);
          if (m) serverIdent = m[1];
        },
      },
    );
    client.end();
    return {
      status: "connected",
      user,
      hostKey: { algorithm: hostKey.algorithm, fingerprintSha256: hostKey.fingerprintSha256 },
      ...(serverIdent ? { serverIdent } : {}),
      ...(banner ? { banner } : {}),
    };
  } catch (err) {
    if (!(err instanceof SshError)) throw err;
    switch (err.kind) {
      case "host_key_changed": {
        const { presented, pinned } = err.hostKey!;
        return { status: "host_key_changed", presented: { algorithm: presented.algorithm, fingerprintSha256: presented.fingerprintSha256 }, pinned };
      }
      case "no_common_host_key_algorithm": {
        // the server no longer has the pinned kind of key: find out what it presents instead (no login)
        const left = Math.max(1000, timeoutMs - (Date.now() - started));
        const offered = await scanHostKeys({ address, port, timeoutMs: left, signal: opts.signal }).catch(() => []);
        const first = offered[0];
        if (first) return { status: "host_key_changed", presented: { algorithm: first.algorithm, fingerprintSha256: first.fingerprintSha256 }, pinned: pinnedFingerprints(opts.pinnedKeys) };
        return { status: "unreachable", endpoint: endpoint(address, port), message: err.message };
      }
      case "auth_refused":
        return { status: "auth_refused", user, publicKey: opts.deployerPublicKey };
      case "timeout":
        return { status: "timeout", endpoint: endpoint(address, port), seconds: timeoutMs / 1000 };
      case "aborted":
      case "bad_private_key":
      case "bad_pinned_key":
      case "no_pinned_keys":
        throw err;
      default:
        return { status: "unreachable", endpoint: endpoint(address, port), message: err.message };
    }
  }
}

/** One sentence for the console and the audit log. `hostName` is the host's name in Slipway (e.g. "toxis"). */
export function describeHostCheck(hostName: string, r: HostCheckResult): string {
  switch (r.status) {
    case "connected":
      return `Connected to ${hostName} as ${r.user} with the deployer key (host key ${r.hostKey.fingerprintSha256}, ${r.hostKey.algorithm}).`;
    case "no_pinned_keys":
      return `No host keys are pinned for ${hostName}: scan its host keys under Hosts and accept them before Slipway connects.`;
    case "host_key_changed":
      return `Host key changed: ${hostName} presented ${r.presented.fingerprintSha256} (${r.presented.algorithm}) but the pinned ${r.pinned.length === 1 ? "key is" : "keys are"} ${r.pinned.join(", ")}. Slipway will not connect until an admin scans and accepts the new key under Hosts.`;
    case "auth_refused":
      return `Authentication refused for ${r.user}@${hostName}: add this line to ~${r.user}/.ssh/authorized_keys: ${r.publicKey}`;
    case "timeout":
      return `Timed out after ${r.seconds} s connecting to ${r.endpoint}. Check the address and port, and that no firewall drops Slipway's connections.`;
    case "unreachable":
      return r.message;
  }
}
