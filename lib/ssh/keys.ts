// SSH public keys in OpenSSH's text form ("ssh-ed25519 AAAA… comment"), their SHA256 fingerprints, and
// Slipway's own deployer key pair (ed25519, written in OpenSSH's private key format).
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { WireError, WireReader, wireString, wireUint32 } from "@/lib/ssh/wire";

/** Key algorithms Slipway accepts for host keys and deployer keys (the type name inside the key blob). */
export const KEY_ALGORITHMS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export interface PublicKey {
  algorithm: KeyAlgorithm;
  /** the key blob, base64 as in known_hosts and authorized_keys */
  publicKey: string;
  comment?: string;
}

/** A key that cannot be used, with the reason in words (no line number: callers add their context). */
export class KeyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyFormatError";
  }
}

const SUPPORTED_LIST = "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa";

const ECDSA: Record<string, { curve: string; pointLength: number }> = {
  "ecdsa-sha2-nistp256": { curve: "nistp256", pointLength: 65 },
  "ecdsa-sha2-nistp384": { curve: "nistp384", pointLength: 97 },
  "ecdsa-sha2-nistp521": { curve: "nistp521", pointLength: 133 },
};

export function isKeyAlgorithm(name: string): name is KeyAlgorithm {
  return (KEY_ALGORITHMS as readonly string[]).includes(name);
}

/** True for names that are SSH key or signature algorithms, supported or not (used to tell a key from a host name). */
export function looksLikeKeyAlgorithm(name: string): boolean {
  return isKeyAlgorithm(name) || /^(ssh-|ecdsa-sha2-|sk-|rsa-sha2-)/.test(name);
}

/** `SHA256:<base64 without padding>` of a key blob, exactly as `ssh-keygen -l` prints it. */
export function fingerprintSha256(blob: Buffer | string): string {
  const data = typeof blob === "string" ? decodeBase64(blob) : blob;
  return `SHA256:${createHash("sha256").update(data).digest("base64").replace(/=+$/, "")}`;
}

/** Why an algorithm name cannot be used, or undefined when it can. */
function refusal(name: string): string | undefined {
  if (isKeyAlgorithm(name)) return undefined;
  if (name.startsWith("sk-")) {
    return `${name} keys live on a hardware security key (FIDO) and cannot be used by Slipway; use an ${SUPPORTED_LIST} key`;
  }
  if (name.endsWith("-cert-v01@openssh.com")) {
    return `${name} is an SSH certificate, not a plain key; Slipway pins plain keys: use the ${SUPPORTED_LIST} key itself`;
  }
  if (name === "ssh-dss") return `ssh-dss (DSA) keys are obsolete and OpenSSH no longer accepts them; use an ${SUPPORTED_LIST} key`;
  return `unknown key algorithm "${name}"; Slipway accepts ${SUPPORTED_LIST}`;
}

/** Base64 as OpenSSH writes it (canonical, padded); throws KeyFormatError otherwise. */
function decodeBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new KeyFormatError("the key data is not valid base64 (was the line cut or re-wrapped when copying?)");
  }
  const data = Buffer.from(text, "base64");
  if (data.toString("base64") !== text) throw new KeyFormatError("the key data is not valid base64 (was the line cut or re-wrapped when copying?)");
  return data;
}

/** The type name written at the start of a key blob. */
export function blobAlgorithm(blob: Buffer): string {
  try {
    return new WireReader(blob).text();
  } catch {
    throw new KeyFormatError("the key data is not an SSH public key (it does not start with a key type)");
  }
}

/** Checks the structure of a key blob for its algorithm (field count and sizes). */
function checkBlobStructure(algorithm: KeyAlgorithm, blob: Buffer): void {
  const r = new WireReader(blob);
  try {
    r.text();
    if (algorithm === "ssh-ed25519") {
      if (r.bytes().length !== 32) throw new KeyFormatError("the ssh-ed25519 key data does not hold a 32-byte key");
    } else if (algorithm === "ssh-rsa") {
      r.bytes(); // public exponent
      const modulus = r.bytes();
      const bits = (modulus.length - (modulus[0] === 0 ? 1 : 0)) * 8;
      if (bits < 1024) throw new KeyFormatError(`the ssh-rsa key has only ${bits} bits; OpenSSH refuses RSA keys under 1024 bits`);
    } else {
      const spec = ECDSA[algorithm]!;
      const curve = r.text();
      if (curve !== spec.curve) throw new KeyFormatError(`the ${algorithm} key data names the curve "${curve}" instead of ${spec.curve}`);
      const point = r.bytes();
      if (point.length !== spec.pointLength || point[0] !== 4) throw new KeyFormatError(`the ${algorithm} key data does not hold a valid ${spec.curve} point`);
    }
  } catch (err) {
    if (err instanceof WireError) throw new KeyFormatError(`the ${algorithm} key data is truncated or malformed`);
    throw err;
  }
  if (!r.atEnd) throw new KeyFormatError(`the ${algorithm} key data has extra bytes after the key`);
}

/**
 * Checks a stated algorithm and a base64 key blob: the blob decodes, names the same algorithm (rsa-sha2-256/512,
 * signature names of an ssh-rsa key, are taken as ssh-rsa), and is well formed. Returns the blob's algorithm.
 */
export function checkPublicKey(statedAlgorithm: string, base64: string): { algorithm: KeyAlgorithm; blob: Buffer } {
  const stated = statedAlgorithm === "rsa-sha2-256" || statedAlgorithm === "rsa-sha2-512" ? "ssh-rsa" : statedAlgorithm;
  const refused = refusal(stated);
  if (refused) throw new KeyFormatError(refused);
  const blob = decodeBase64(base64);
  const inner = blobAlgorithm(blob);
  if (inner !== stated) {
    if (!/^[\x21-\x7e]{1,64}$/.test(inner)) throw new KeyFormatError("the key data is not an SSH public key (it does not start with a key type)");
    throw new KeyFormatError(`the line says ${statedAlgorithm} but the key data says ${inner}; copy the whole line again from the .pub file or from ssh-keyscan`);
  }
  checkBlobStructure(stated as KeyAlgorithm, blob);
  return { algorithm: stated as KeyAlgorithm, blob };
}

/** Parses one "ALGORITHM BASE64 [comment]" line (an authorized_keys line without options, or a .pub file). */
export function parsePublicKey(text: string): PublicKey {
  const line = text.trim();
  if (line === "") throw new KeyFormatError("no key given: paste a line such as 'ssh-ed25519 AAAA… user@host'");
  if (/[\r\n]/.test(line)) throw new KeyFormatError("give one key on one line (the text has several lines)");
  const m = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
  if (!m) throw new KeyFormatError("expected 'ALGORITHM KEY [comment]', such as 'ssh-ed25519 AAAA… user@host'");
  const [, first, second, rest] = m as unknown as [string, string, string, string | undefined];
  if (!looksLikeKeyAlgorithm(first) && looksLikeKeyAlgorithm(second)) {
    throw new KeyFormatError(`the line starts with "${first}" before the key type; give only 'ALGORITHM KEY [comment]'`);
  }
  const { algorithm } = checkPublicKey(first, second);
  const comment = rest?.trim();
  return comment ? { algorithm, publicKey: second, comment } : { algorithm, publicKey: second };
}

/** The authorized_keys / .pub form of a key. */
export function publicKeyLine(algorithm: string, publicKey: string, comment?: string): string {
  return comment ? `${algorithm} ${publicKey} ${comment}` : `${algorithm} ${publicKey}`;
}

export interface DeployerKeyPair {
  /** OpenSSH private key format ("-----BEGIN OPENSSH PRIVATE KEY-----"), unencrypted: seal it before storing */
  privateKey: string;
  /** authorized_keys line: "ssh-ed25519 AAAA… comment" */
  publicKey: string;
  fingerprintSha256: string;
}

/**
 * A new ed25519 key pair for Slipway to log in with. The private key is written in OpenSSH's own format
 * (openssh-key-v1, cipher "none"), which both ssh2 and OpenSSH read.
 */
export function generateDeployerKeyPair(comment: string): DeployerKeyPair {
  if (/[\u0000-\u001f\u007f]/.test(comment) || comment.length > 200) {
    throw new KeyFormatError("the key comment must be one line of at most 200 characters, such as slipway@console.example.org");
  }
  const pair = generateKeyPairSync("ed25519");
  const pub = Buffer.from(pair.publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const seed = Buffer.from(pair.privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  if (pub.length !== 32 || seed.length !== 32) throw new Error("node:crypto returned an ed25519 key of unexpected size");

  const blob = Buffer.concat([wireString("ssh-ed25519"), wireString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, wireString("ssh-ed25519"), wireString(pub), wireString(Buffer.concat([seed, pub])), wireString(comment)]);
  // pad to the cipher block size (8 for "none") with 1, 2, 3, …
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const file = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    wireString("none"), // cipher
    wireString("none"), // kdf
    wireString(""), // kdf options
    wireUint32(1), // number of keys
    wireString(blob),
    wireString(secret),
  ]);
  const body = file.toString("base64").match(/.{1,70}/g)!.join("\n");
  const publicKey = blob.toString("base64");
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: publicKeyLine("ssh-ed25519", publicKey, comment || undefined),
    fingerprintSha256: fingerprintSha256(blob),
  };
}
