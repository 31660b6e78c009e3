// Secret values: sealed with AES-256-GCM bound to their row id (lib/crypto/seal.ts), written, never read back
// by the console. `revealSecret` is for the worker that uses a value (push credentials, webhook checks).
import type { Tx } from "@/lib/db";
import { getDb } from "@/lib/db";
import { seal, unseal } from "@/lib/crypto/seal";

export function secretAad(id: string): string {
  return `secret:${id}`;
}

export async function storeSecretValue(tx: Tx, id: string, value: string, updatedById: string | null): Promise<void> {
  await tx.secret.update({ where: { id }, data: { sealed: new Uint8Array(seal(value, secretAad(id))), updatedById } });
}

/** The owned credential `name` of an app, registry or channel (scope "owned"), created or replaced. */
export async function setOwnedSecret(
  tx: Tx,
  owner: { scopeKey: string; appId?: string | null },
  name: string,
  value: string,
  updatedById: string | null,
): Promise<string> {
  const row = await tx.secret.upsert({
    where: { scopeKey_name: { scopeKey: owner.scopeKey, name } },
    create: { scope: "owned", scopeKey: owner.scopeKey, name, appId: owner.appId ?? null, updatedById },
    update: { updatedById },
  });
  await storeSecretValue(tx, row.id, value, updatedById);
  return row.id;
}

/** The plaintext of a secret, for the code that uses it (never for a page or a log); null when unset. */
export async function revealSecret(id: string, db: Pick<Tx, "secret"> = getDb()): Promise<string | null> {
  const row = await db.secret.findUnique({ where: { id }, select: { sealed: true } });
  if (!row?.sealed) return null;
  return unseal(row.sealed, secretAad(id));
}
