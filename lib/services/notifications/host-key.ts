// host.key_changed: a host presented an SSH key that is not pinned (lib/ssh/host-key-events.ts). One
// notification per host and presented key: every refused connection after the first says nothing new.
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import type { Logger } from "@/lib/log";
import type { HostKeyRefusal } from "@/lib/ssh/host-key-events";
import { notify } from "@/lib/services/notifications/deliveries";

export function hostUrl(id: string): string {
  return `${env().SLIPWAY_URL.replace(/\/+$/, "")}/hosts/${encodeURIComponent(id)}`;
}

export async function notifyHostKeyChanged(r: HostKeyRefusal, log: Logger): Promise<number> {
  const hosts = await getDb().host.findMany({ where: { address: r.address, port: r.port }, select: { id: true, name: true, address: true, port: true }, orderBy: { name: "asc" } });
  let n = 0;
  for (const h of hosts) {
    n += await notify(
      {
        event: "host.key_changed",
        app: null,
        repository: null,
        data: {
          url: hostUrl(h.id),
          host: { ...h, presented: { algorithm: r.presented.algorithm, fingerprint_sha256: r.presented.fingerprintSha256 }, pinned: r.pinned },
          reason: `${h.name} presented ${r.presented.fingerprintSha256} (${r.presented.algorithm}); pinned: ${r.pinned.join(", ") || "none"}. Slipway will not connect until an admin scans and accepts the new key under Hosts.`,
        },
      },
      `host_key:${h.id}:${r.presented.fingerprintSha256}`,
      log,
    );
  }
  return n;
}
