// The drift check (every five minutes): what each deployed target at rest runs, asked of its kind's driver
// (live()), compared with its current release. A change of drift is recorded on the target and audited; the
// worker sends the changes to Slack.
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { releaseImage } from "@/lib/services/releases/pull";
import { inventoryAccess } from "@/lib/deploy/access";
import { drivenKinds, driverFor } from "@/lib/deploy/targets";
import { targetInclude, type DeployIo, type DeployTarget, type Live, type TargetDriver, type TargetSession } from "@/lib/deploy/targets/driver";

/** How long one target may take to answer. */
const LOOK_TIMEOUT_MS = 30_000;

export interface DriftChange {
  targetId: string;
  name: string;
  drifted: boolean;
  liveImage: string | null;
  expected: string | null;
}

/** What the target runs; a target that cannot be asked is `unreachable` with the reason. */
async function lookAt(t: DeployTarget, driver: TargetDriver, signal: AbortSignal | undefined): Promise<Live> {
  const io: DeployIo = { log: { step: () => undefined, line: () => undefined }, signal: AbortSignal.any([signal ?? new AbortController().signal, AbortSignal.timeout(LOOK_TIMEOUT_MS)]), deadline: Date.now() + LOOK_TIMEOUT_MS };
  let session: TargetSession | null = null;
  try {
    session = await driver.open(t, inventoryAccess, io);
    return await session.live(io);
  } catch (err) {
    return { state: "unreachable", reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await session?.close().catch(() => undefined);
  }
}

/** Compares each deployed target at rest with its current release; records changes of drift. */
export async function checkDrift(opts: { signal?: AbortSignal; actor?: Actor } = {}): Promise<{ checked: number; changes: DriftChange[]; errors: Array<{ name: string; message: string }> }> {
  const db = getDb();
  const actor: Actor = opts.actor ?? { type: "system", label: "drift check" };
  const targets = await db.target.findMany({
    where: { kind: { in: drivenKinds }, archivedAt: null, currentReleaseId: { not: null }, deployments: { none: { state: { in: ["queued", "deploying", "verifying"] } } } },
    include: { ...targetInclude, currentRelease: true },
  });
  const changes: DriftChange[] = [];
  const errors: Array<{ name: string; message: string }> = [];
  for (const t of targets) {
    if (opts.signal?.aborted) break;
    const driver = driverFor(t.kind);
    const live = await lookAt(t, driver, opts.signal);
    if (live.state !== "found") {
      errors.push({ name: t.name, message: live.reason });
      continue;
    }
    const expected = t.currentRelease ? releaseImage(t.currentRelease) : null;
    const drifted = live.identity !== (t.currentRelease ? driver.identity(t.currentRelease) : undefined);
    const change = await db.$transaction(async (tx) => {
      const now = new Date();
      const row = await tx.target.findUnique({ where: { id: t.id }, select: { driftDetectedAt: true } });
      if (!row) return null;
      await tx.target.update({ where: { id: t.id }, data: { liveImage: live.reference, liveCheckedAt: now, driftDetectedAt: drifted ? (row.driftDetectedAt ?? now) : null } });
      const was = row.driftDetectedAt !== null;
      if (was === drifted) return null;
      await recordAudit(tx, {
        actor,
        action: drifted ? "target.drift_detected" : "target.drift_cleared",
        subjectType: "target",
        subjectId: t.id,
        summary: drifted ? `${t.name} runs ${live.reference ?? "nothing"}, not its last release ${expected ?? ""}` : `${t.name} runs its last release again`,
        before: { liveImage: t.liveImage },
        after: { liveImage: live.reference, expected },
      });
      return { targetId: t.id, name: t.name, drifted, liveImage: live.reference, expected };
    });
    if (change) changes.push(change);
  }
  return { checked: targets.length, changes, errors };
}
