// known_hosts text (as ssh-keyscan and ~/.ssh/known_hosts have it) → host keys to pin, with every refused
// line explained by its number; and the line format for exports.
import { createHmac, timingSafeEqual } from "node:crypto";
import { endpoint } from "@/lib/ssh/errors";
import { checkPublicKey, fingerprintSha256, KeyFormatError, looksLikeKeyAlgorithm, type KeyAlgorithm } from "@/lib/ssh/keys";

export interface KnownHostKey {
  algorithm: KeyAlgorithm;
  /** the key blob, base64 */
  publicKey: string;
  fingerprintSha256: string;
  /** 1-based line number in the text */
  line: number;
}

export interface KnownHostsProblem {
  line: number;
  message: string;
}

export interface KnownHostsTarget {
  address: string;
  port: number;
}

/** The host name as OpenSSH writes and hashes it: `addr` on port 22, `[addr]:port` otherwise. */
function hostToken(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

type PatternMatch = { matches: boolean; shown: string } | { problem: string };

/** Whether one host pattern of a line names the target (plain, `[host]:port`, or `|1|salt|hmac` hashed). */
function matchPattern(pattern: string, target: KnownHostsTarget): PatternMatch {
  if (pattern.startsWith("|")) {
    const m = /^\|1\|([A-Za-z0-9+/]+={0,2})\|([A-Za-z0-9+/]+={0,2})$/.exec(pattern);
    const salt = m ? Buffer.from(m[1]!, "base64") : undefined;
    const hash = m ? Buffer.from(m[2]!, "base64") : undefined;
    if (!salt || !hash || salt.length !== 20 || hash.length !== 20) {
      return { problem: `the hashed host name "${pattern}" is malformed (expected |1|salt|hash as ssh-keygen -H writes it)` };
    }
    const expected = createHmac("sha1", salt).update(hostToken(target.address.toLowerCase(), target.port)).digest();
    return { matches: timingSafeEqual(expected, hash), shown: "another host (its name is hashed)" };
  }
  if (pattern.startsWith("!") || /[*?]/.test(pattern)) {
    return { problem: `host pattern "${pattern}" uses wildcards or negation; Slipway pins keys per host: give the host's own name or address` };
  }
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(pattern);
  const host = (bracketed ? bracketed[1]! : pattern).toLowerCase();
  const port = bracketed ? Number(bracketed[2]) : 22;
  return { matches: host === target.address.toLowerCase() && port === target.port, shown: pattern };
}

/**
 * Reads known_hosts text: plain lines (`host,host2 algo key [comment]`, `[host]:port algo key`), hashed lines
 * (`|1|salt|hmac algo key`, from ssh-keygen -H / ssh-keyscan -H), and bare `algo key [comment]` lines, which are
 * taken for the host being edited. Blank lines and # comments are skipped. With a target, a line whose host
 * patterns do not name it is an error, never pinned. Keys are de-duplicated by fingerprint (first line wins).
 */
export function parseKnownHosts(text: string, target?: KnownHostsTarget): { keys: KnownHostKey[]; errors: KnownHostsProblem[] } {
  const keys: KnownHostKey[] = [];
  const errors: KnownHostsProblem[] = [];
  const seen = new Set<string>();

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === "" || content.startsWith("#")) return;
    const fail = (message: string) => errors.push({ line, message: `line ${line}: ${message}` });

    const fields = content.split(/\s+/);
    if (fields[0]!.startsWith("@")) {
      const marker = fields[0]!;
      if (marker === "@cert-authority") return fail("@cert-authority lines (trusted certificate authorities) are not supported; pin the host's own keys (ssh-keyscan prints them)");
      if (marker === "@revoked") return fail("@revoked lines are not supported; leave the line out, and remove the revoked key from the host's pinned keys instead");
      return fail(`unknown marker ${marker}; known_hosts lines start with the host name or the key type`);
    }

    let hosts: string | undefined;
    let algorithm: string;
    let base64: string | undefined;
    if (looksLikeKeyAlgorithm(fields[0]!)) {
      [algorithm, base64] = fields as [string, string | undefined];
    } else {
      [hosts, algorithm, base64] = fields as [string, string, string | undefined];
      if (algorithm === undefined) return fail(`expected 'HOST ALGORITHM KEY' or 'ALGORITHM KEY', found only "${fields[0]}"`);
      if (!looksLikeKeyAlgorithm(algorithm)) return fail(`"${algorithm}" is not an SSH key type; expected 'HOST ALGORITHM KEY', such as '${target ? hostToken(target.address, target.port) : "host.example.org"} ssh-ed25519 AAAA…'`);
    }
    if (base64 === undefined) return fail(`the ${algorithm} key itself is missing after the key type`);

    if (hosts !== undefined && target) {
      const shown: string[] = [];
      let matched = false;
      for (const pattern of hosts.split(",")) {
        const result = matchPattern(pattern, target);
        if ("problem" in result) return fail(result.problem);
        matched ||= result.matches;
        if (!shown.includes(result.shown)) shown.push(result.shown);
      }
      if (!matched) {
        errors.push({ line, message: `line ${line} is for ${shown.join(", ")}, not ${endpoint(target.address, target.port)}` });
        return;
      }
    }

    let checked: ReturnType<typeof checkPublicKey>;
    try {
      checked = checkPublicKey(algorithm, base64);
    } catch (err) {
      if (err instanceof KeyFormatError) return fail(err.message);
      throw err;
    }
    const fingerprint = fingerprintSha256(checked.blob);
    if (seen.has(fingerprint)) return;
    seen.add(fingerprint);
    keys.push({ algorithm: checked.algorithm, publicKey: base64, fingerprintSha256: fingerprint, line });
  });

  return { keys, errors };
}

/** One known_hosts line for a pinned key (`[addr]:port` form when the port is not 22), for exports. */
export function knownHostsLine(address: string, port: number, algorithm: string, publicKey: string): string {
  if (!address || /[\s,#]/.test(address)) throw new Error(`"${address}" cannot be written as a known_hosts host name`);
  return `${hostToken(address, port)} ${algorithm} ${publicKey}`;
}
