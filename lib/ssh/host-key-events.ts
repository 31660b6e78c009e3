// Who hears that a host presented a key that is not pinned: sshConnectConfig's verifier (every SSH connection,
// lib/ssh sessions and dockerode's ssh:// contexts alike) reports each refusal here. The worker listens and
// sends host.key_changed (workers/runtime.ts); lib/ssh itself knows nothing of notifications.

export interface HostKeyRefusal {
  address: string;
  port: number;
  presented: { algorithm: string; fingerprintSha256: string };
  pinned: string[];
}

type Listener = (r: HostKeyRefusal) => void;
const listeners = new Set<Listener>();

/** Calls `listener` for every refused host key in this process; returns the function that stops it. */
export function onHostKeyRefused(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function reportHostKeyRefused(r: HostKeyRefusal): void {
  for (const l of listeners) {
    try {
      l(r);
    } catch {
      // a listener's trouble never changes the verifier's answer
    }
  }
}
