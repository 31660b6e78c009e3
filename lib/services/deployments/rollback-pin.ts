// A rollback pins its target when it is requested (so a release built meanwhile does not deploy over it), and
// remembers the pin it replaced on the deployment (pin_before_*). When the rollback does not succeed (failed,
// rolled back, cancelled) the target's pin goes back to what it was before: unpinned, or pinned where it was,
// so the page never says "pinned at X" while the target runs Y. The target page then offers "Retry rollback".
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";

/** The pin a new rollback replaces: the target's, or, when it supersedes a rollback that never ran, the pin that one replaced. */
export async function pinBeforeRollback(
  tx: Tx,
  target: { id: string; pinnedReleaseId: string | null; pinnedById: string | null; pinnedAt: Date | null },
): Promise<{ pinBeforeReleaseId: string | null; pinBeforeById: string | null; pinBeforeAt: Date | null }> {
  const waiting = await tx.deployment.findFirst({
    where: { targetId: target.id, trigger: "rollback", state: { in: ["pending_approval", "queued"] } },
    orderBy: { createdAt: "desc" },
    select: { pinBeforeReleaseId: true, pinBeforeById: true, pinBeforeAt: true },
  });
  if (waiting) return waiting;
  return { pinBeforeReleaseId: target.pinnedReleaseId, pinBeforeById: target.pinnedById, pinBeforeAt: target.pinnedAt };
}

/**
 * After a deployment ended other than succeeded: when it was a rollback and the target is still pinned at its
 * release, the pin goes back to what it was before the rollback, audited. Returns whether it did.
 */
export async function restorePinAfterRollback(tx: Tx, deploymentId: string, actor: Actor): Promise<boolean> {
  const d = await tx.deployment.findUnique({
    where: { id: deploymentId },
    select: {
      trigger: true,
      state: true,
      releaseId: true,
      pinBeforeReleaseId: true,
      pinBeforeById: true,
      pinBeforeAt: true,
      release: { select: { build: { select: { commit: { select: { sha: true } } } } } },
      pinBeforeRelease: { select: { build: { select: { commit: { select: { sha: true } } } } } },
      target: { select: { id: true, name: true } },
    },
  });
  if (!d || d.trigger !== "rollback" || d.state === "succeeded") return false;
  const rows = await tx.$queryRaw<{ pinned_release_id: string | null }[]>`SELECT pinned_release_id FROM targets WHERE id = ${d.target.id} FOR UPDATE`;
  // someone moved or removed the pin meanwhile: theirs stands
  if (rows[0]?.pinned_release_id !== d.releaseId) return false;
  await tx.target.update({ where: { id: d.target.id }, data: { pinnedReleaseId: d.pinBeforeReleaseId, pinnedById: d.pinBeforeById, pinnedAt: d.pinBeforeAt } });
  const sha = d.release.build.commit.sha.slice(0, 12);
  const before = d.pinBeforeRelease ? `pinned at ${d.pinBeforeRelease.build.commit.sha.slice(0, 12)} again` : "not pinned any more";
  await recordAudit(tx, {
    actor,
    action: "target.pin_restored",
    subjectType: "target",
    subjectId: d.target.id,
    summary: `${d.target.name}: the rollback to ${sha} ${d.state === "cancelled" ? "was cancelled" : "did not succeed"}; ${before}, as before the rollback`,
    before: { pinnedReleaseId: d.releaseId },
    after: { pinnedReleaseId: d.pinBeforeReleaseId, deploymentId },
  });
  return true;
}
