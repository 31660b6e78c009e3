// Read models for the host page (/hosts/[id]: pinned keys, contexts on it) and the Contexts pages.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { isRowId } from "@/lib/validation/ids";

export interface PinnedHostKeyRow {
  id: string;
  algorithm: string;
  fingerprintSha256: string;
  acceptedBy: string | null;
  acceptedAt: Date;
}

export interface HostDetail {
  id: string;
  name: string;
  address: string;
  port: number;
  user: string;
  lastCheckedAt: Date | null;
  /** the sentence of the last "Test connection" */
  lastCheckResult: string | null;
  createdAt: Date;
  updatedAt: Date;
  keys: PinnedHostKeyRow[];
  dockerContexts: { id: string; name: string; endpoint: string }[];
  /** targets that run on the host: on it directly (unikernels, artifact repositories) or through one of its docker contexts */
  targets: HostTargetRow[];
}

export interface HostTargetRow {
  id: string;
  name: string;
  kind: string;
  service: string;
  /** the docker context it runs on, or null for a target on the host itself */
  context: string | null;
}

export async function hostDetail(id: string): Promise<HostDetail | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const h = await getDb().host.findUnique({
    where: { id },
    include: {
      keys: { orderBy: { acceptedAt: "asc" }, include: { acceptedBy: { select: { login: true } } } },
      dockerContexts: { orderBy: { name: "asc" }, select: { id: true, name: true, endpoint: true } },
    },
  });
  if (!h) return null;
  const targets = await getDb().target.findMany({
    where: { archivedAt: null, OR: [{ hostId: id }, { dockerContext: { hostId: id } }] },
    orderBy: { name: "asc" },
    take: 500,
    select: { id: true, name: true, kind: true, service: true, dockerContext: { select: { name: true } } },
  });
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    lastCheckedAt: h.lastCheckedAt,
    lastCheckResult: h.lastCheckResult,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    keys: h.keys.map((k) => ({ id: k.id, algorithm: k.algorithm, fingerprintSha256: k.fingerprintSha256, acceptedBy: k.acceptedBy?.login ?? null, acceptedAt: k.acceptedAt })),
    dockerContexts: h.dockerContexts,
    targets: targets.map((t) => ({ id: t.id, name: t.name, kind: t.kind, service: t.service, context: t.dockerContext?.name ?? null })),
  };
}

/** Endpoints the context form suggests: ssh://user@address[:port] of every registered host. */
export async function hostEndpointSuggestions(): Promise<{ name: string; endpoint: string }[]> {
  const hosts = await getDb().host.findMany({ orderBy: { name: "asc" }, select: { name: true, address: true, port: true, user: true }, take: 500 });
  return hosts.map((h) => {
    const address = h.address.includes(":") ? `[${h.address}]` : h.address;
    return { name: h.name, endpoint: `ssh://${h.user}@${address}${h.port === 22 ? "" : `:${h.port}`}` };
  });
}

// ─── docker contexts ────────────────────────────────────────────────────────────────────────────

export type ContextRoleName = "build" | "swarm_manager" | "both";

/** The last "Test" of a context, as stored by testContext. */
export interface ContextCheck {
  ok: boolean;
  message: string;
}

export interface ContextRow {
  id: string;
  name: string;
  endpoint: string;
  host: { id: string; name: string } | null;
  role: ContextRoleName;
  archs: string[];
  maxConcurrentBuilds: number;
  lastCheckedAt: Date | null;
  lastCheck: ContextCheck | null;
  targets: number;
  createdAt: Date;
  updatedAt: Date;
}

const contextSelect = {
  id: true,
  name: true,
  endpoint: true,
  role: true,
  archs: true,
  maxConcurrentBuilds: true,
  lastCheckedAt: true,
  lastCheckResult: true,
  createdAt: true,
  updatedAt: true,
  host: { select: { id: true, name: true } },
  _count: { select: { targets: { where: { archivedAt: null } } } },
} satisfies Prisma.DockerContextSelect;

function checkOf(v: Prisma.JsonValue | null): ContextCheck | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return { ok: false, message: v };
  if (typeof v === "object" && !Array.isArray(v) && typeof v.message === "string") return { ok: v.ok === true, message: v.message };
  return null;
}

function contextRow(c: Prisma.DockerContextGetPayload<{ select: typeof contextSelect }>): ContextRow {
  const { lastCheckResult, _count, ...rest } = c;
  return { ...rest, lastCheck: checkOf(lastCheckResult), targets: _count.targets };
}

export async function listContexts(): Promise<ContextRow[]> {
  const rows = await getDb().dockerContext.findMany({ orderBy: { name: "asc" }, select: contextSelect, take: 500 });
  return rows.map(contextRow);
}

export async function contextDetail(id: string): Promise<ContextRow | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const c = await getDb().dockerContext.findUnique({ where: { id }, select: contextSelect });
  return c ? contextRow(c) : null;
}
