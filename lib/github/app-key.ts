// A GitHub App's private key as the console receives it: a PEM that must really hold an RSA private key
// (GitHub gives out RSA keys only), unencrypted, strong enough to sign the app's JWTs.
import { createPrivateKey } from "node:crypto";

/** Why `pem` cannot sign the app's tokens, in words for the form; null when it can. */
export function rsaPrivateKeyProblem(pem: string): string | null {
  let key;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    // an encrypted PEM says so in its headers; OpenSSL's own error for it differs between versions
    const code = (err as { code?: string }).code;
    const encrypted = /Proc-Type:\s*4,ENCRYPTED/.test(pem) || code === "ERR_MISSING_PASSPHRASE" || code === "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED";
    const why = encrypted ? "it is encrypted with a passphrase" : "its contents are not a readable key (cut short or changed in the copy?)";
    return `this .pem cannot be used: ${why}. Download a new private key from the app's settings on GitHub and paste the whole file`;
  }
  if (key.asymmetricKeyType !== "rsa") return `this key is of type ${key.asymmetricKeyType ?? "unknown"}, not RSA: GitHub Apps sign with RSA keys; paste the .pem GitHub gave you`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return `this RSA key has ${bits} bits; GitHub requires at least 2048: download a new private key from the app's settings on GitHub`;
  return null;
}
