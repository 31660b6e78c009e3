// What the host actions hand back to the page (shapes of lib/services/inventory/hosts.ts's results).

export interface ScannedKey {
  algorithm: string;
  /** the key blob, base64 */
  publicKey: string;
  fingerprintSha256: string;
  /** already accepted for this host */
  pinned: boolean;
}

export interface ScanResult {
  host: string;
  keys: ScannedKey[];
  /** keys accepted for the host that it did not present: accepting the scanned keys retires them */
  notPresented: { algorithm: string; fingerprintSha256: string }[];
}

/** What accepting keys did: fingerprints newly accepted, and those retired (replaced) */
export interface PinResult {
  pinned: string[];
  retired: string[];
}

export type HostTestStatus = "connected" | "no_pinned_keys" | "host_key_changed" | "auth_refused" | "timeout" | "unreachable";

export interface HostTestResult {
  status: HostTestStatus;
  message: string;
}
