// The one interface every kind of target implements: read what it runs, put a release on it, wait until it
// converged, put the previous one back. The deployment runner (lib/deploy/runner.ts) holds the state machine,
// the health check, the log, the audit events and the notifications; re-verification and the drift check
// (lib/deploy/recovery.ts, lib/deploy/drift.ts) use live() and converge(). None of them knows a kind.
//
// A session is opened per deployment (or per look at a target) and closed by the caller in `finally`: a
// Docker client for the target's context, an SSH connection to a unikernel host. Drivers never import
// lib/services or lib/queries; what they need of the inventory they ask of the InventoryAccess they are given.
import type { Prisma, Release } from "@/lib/generated/prisma/client";
import type { DockerContextAccess } from "@/lib/docker/engine";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import type { SshTarget } from "@/lib/ssh/connect";

export type { Release };

/** What the engine loads with every target it hands to a driver. */
export const targetInclude = {
  /** the context's host: what a retry says it waits for */
  dockerContext: { select: { id: true, name: true, host: { select: { name: true } } } },
  host: { select: { id: true, name: true } },
  /** what a driver must never delete from the target (a unikernel host keeps the pinned file) */
  pinnedRelease: { select: { id: true, digest: true, artifactSha256: true, artifactTarget: true } },
  /** a unikernel build's target (hvt, xen, …): where an artifact repository keeps its files, even before a release is at hand */
  deploymentRule: { select: { buildRule: { select: { unikernelTarget: true } } } },
} as const satisfies Prisma.TargetInclude;

/** A target row with the names of its docker context and host, as every driver gets it. */
export type DeployTarget = Prisma.TargetGetPayload<{ include: typeof targetInclude }>;

/** A release on its way to a target: its row (the driver takes what it needs) and how to pull its image. */
export interface DeployRelease {
  /** imageRepo/tag/digest; artifactPath/artifactSha256 for a unikernel */
  row: Release;
  /** `repo:tag@sha256:…`: the release's image by digest (a unikernel's artifact is kept in it too) */
  image: string;
  /** credentials for the registry the image is in; none: pulled anonymously */
  auth?: RegistryAuth;
  /** the deployment rule's registry address, when it names one (its scheme tells a plain-HTTP registry) */
  registryUrl?: string;
  /** the commit the release was built from (a unikernel host's `latest` and an artifact repository name it) */
  commit: string;
}

/** The deployment's log, as drivers write to it. */
export interface DeployLog {
  /** a step: `==> text` */
  step(text: string): void;
  line(text: string): void;
}

/** What every driver call gets: where to log, when to stop. */
export interface DeployIo {
  log: DeployLog;
  /** aborted when the deployment is stopped (its deadline passed, or the worker is shutting down) */
  signal: AbortSignal;
  /** when the whole deployment must be over (ms since the epoch); the signal fires then */
  deadline: number;
}

/** What a driver may ask of Slipway's inventory; the engine answers (lib/deploy/access.ts). */
export interface InventoryAccess {
  /** how to reach a docker context: its endpoint and, for ssh://, its host's address, pinned keys and the deployer key */
  dockerContext(contextId: string): Promise<DockerContextAccess>;
  /** how to log in to a registered host over SSH: its address, port, user, pinned keys and the deployer key */
  host(hostId: string): Promise<SshTarget>;
}

/** What a target runs now. */
export type Live =
  | {
      state: "found";
      /** what it runs, comparable with TargetDriver.identity(release) (docker: the image digest); null when nothing Slipway can name */
      identity: string | null;
      /** what it runs as the target names it (docker: the image reference); kept as the target's live image */
      reference: string | null;
      /** it runs that everywhere it should, and is settled */
      converged: boolean;
      /** when it is still moving and converge() can watch it to its end: what is moving, in words ("the swarm is still updating web") */
      settling: string | null;
      /** what was found, in words, for the log */
      description: string;
    }
  | { state: "not_found"; reason: string }
  | { state: "unreachable"; reason: string };

/**
 * What apply() did. A driver may return more (its own optional fields) and read them back in converge() and
 * restore(). Re-verification hands converge() a bare Applied of the release, and only when live() said the
 * target is `settling`.
 */
export interface Applied {
  /** what the target was set to, as live() reports it; kept as the target's live image once converged */
  reference: string;
  /** the target's version index before the change, kept on the deployment; null when the kind has none */
  version: number | null;
  /** what converge() waits for, in words, for the log; null when apply() waited already */
  waiting: string | null;
}

/** How converge() ended. */
export type Outcome =
  | { outcome: "converged" }
  /** the target went back to what it ran by itself (a swarm's FailureAction rollback): `by` names who, `live` is what it runs now */
  | { outcome: "rolled_back"; by: string; message: string; live: string | null }
  /** `restored`: the driver already put the previous release back (and the runner calls no restore()) */
  | { outcome: "failed"; message: string; restored: boolean };

/** Why restore() is called: the release did not converge, or it converged but failed its health check. */
export type RestoreCause = "not_converged" | "unhealthy";

/** What restore() left running, and what it did in words ("rolled back to …") for the deployment's reason. */
export interface Restored {
  live: string | null;
  summary: string;
}

export interface TargetSession {
  /** What the target runs now. Resolves not_found / unreachable with the reason in words rather than throwing. */
  live(io: DeployIo): Promise<Live>;
  /** Puts the release on the target (and logs each step). Throws an Error in words when it cannot. */
  apply(release: DeployRelease, io: DeployIo): Promise<Applied>;
  /** Waits until the target runs what was applied and stays up, or says how it failed. */
  converge(applied: Applied, io: DeployIo): Promise<Outcome>;
  /** Puts the previous release back (previous: the target's last release, null when there is none). */
  restore(applied: Applied, previous: DeployRelease | null, cause: RestoreCause, io: DeployIo): Promise<Restored>;
  /** A failure of this session's calls in words (a changed host key said as such, with both fingerprints). */
  explain(err: unknown): string;
  close(): Promise<void>;
}

export interface TargetDriver {
  /** Where the target is, for the log ("swarm service web through context prod"); throws an Error in words when it lacks what this kind needs. */
  place(target: DeployTarget): string;
  /** What identifies the release on such a target, comparable with Live.identity (docker: the image digest; a unikernel: the artifact's sha256). */
  identity(release: Release): string | null;
  /** Opens a session on the target; the caller closes it. Throws an Error in words when the target cannot be reached at all. */
  open(target: DeployTarget, access: InventoryAccess, io: DeployIo): Promise<TargetSession>;
}
