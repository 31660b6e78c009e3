// After a restore: can this Slipway's secret key read the secrets that came back? One sealed secret (or the
// deployer's private key) is opened with the key in the environment; nothing is printed of it.
import { getDb } from "@/lib/db";
import { SealError } from "@/lib/crypto/seal";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { deployerCredentials } from "@/lib/services/deployer-key";

export type SecretKeyCheck = "no secrets" | "no key" | "readable" | "unreadable";

export async function checkSecretKey(): Promise<SecretKeyCheck> {
  const db = getDb();
  const secret = await db.secret.findFirst({ where: { sealed: { not: null } }, select: { id: true }, orderBy: { id: "asc" } });
  const deployerKey = await db.deployerKey.findFirst({ where: { retiredAt: null }, select: { id: true } });
  if (!secret && !deployerKey) return "no secrets";
  // without a key, a development process would make up a random one (lib/auth/secret.ts): that proves nothing
  if (!process.env.SLIPWAY_SECRET_KEY) return "no key";
  try {
    if (secret) await revealSecret(secret.id);
    else await deployerCredentials();
    return "readable";
  } catch (err) {
    if (err instanceof SealError) return "unreadable";
    throw err;
  }
}

export function describeSecretKeyCheck(check: SecretKeyCheck): string {
  switch (check) {
    case "no secrets":
      return "secrets: the backup holds none";
    case "readable":
      return "secrets: they decrypt with this Slipway's secret key (SLIPWAY_SECRET_KEY, or the data directory's secret.key)";
    case "no key":
      return (
        "secrets: NO secret key is set here (SLIPWAY_SECRET_KEY, or secret.key in the data directory), so the restored secrets cannot be read: " +
        "set the key of the Slipway that made the backup before you start Slipway (a new key would be generated and they would stay unreadable)"
      );
    case "unreadable":
      return (
        "secrets: they do NOT decrypt with the secret key set here: it is not the key of the Slipway that made the backup. " +
        "Set that key (SLIPWAY_SECRET_KEY, or secret.key in the data directory), or enter every secret again and rotate the deployer key"
      );
  }
}
