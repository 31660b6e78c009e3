// The deployer key's public half for the console (the private half is never read here).
import "server-only";
import { getDb } from "@/lib/db";

export interface DeployerKeyView {
  id: string;
  publicKey: string;
  fingerprintSha256: string;
  createdAt: Date;
  createdBy: string | null;
  retiredAt: Date | null;
}

const select = {
  id: true,
  publicKey: true,
  fingerprintSha256: true,
  createdAt: true,
  retiredAt: true,
  createdBy: { select: { login: true } },
} as const;

export async function activeDeployerKey(): Promise<DeployerKeyView | null> {
  const row = await getDb().deployerKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" }, select });
  return row ? { ...row, createdBy: row.createdBy?.login ?? null } : null;
}

export async function retiredDeployerKeys(limit = 20): Promise<DeployerKeyView[]> {
  const rows = await getDb().deployerKey.findMany({ where: { retiredAt: { not: null } }, orderBy: { retiredAt: "desc" }, take: limit, select });
  return rows.map((r) => ({ ...r, createdBy: r.createdBy?.login ?? null }));
}
