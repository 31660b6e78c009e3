// The per-repository switch for the public status badge of a private GitHub repository (or one whose
// privacy is not known yet). Order: authorize → validate → row + audit event in one transaction.
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";

const input = z.object({
  repository_id: rowId,
  show: z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true"),
});

/** Shows (show=true) or hides the badge of a private repository; returns whether anything changed. */
export async function setPrivateBadge(actor: Actor, raw: unknown): Promise<{ changed: boolean; show: boolean; repository: string }> {
  authorize(actor, "inventory.edit");
  const { repository_id, show } = parseInput(input, raw);
  return getDb().$transaction(async (tx) => {
    const repo = await tx.repository.findUnique({ where: { id: repository_id }, select: { id: true, name: true, privateBadge: true, isPrivate: true } });
    if (!repo) throw new NotFoundError("That repository does not exist any more; reload the page.");
    if (repo.privateBadge === show) return { changed: false, show, repository: repo.name };
    await tx.repository.update({ where: { id: repo.id }, data: { privateBadge: show } });
    await recordAudit(tx, {
      actor,
      action: "repository.badge_changed",
      subjectType: "repository",
      subjectId: repo.id,
      summary: `${repo.name}: public status badge ${show ? "shown although the repository may be private" : "hidden while the repository is private"}`,
      before: { private_badge: repo.privateBadge, is_private: repo.isPrivate },
      after: { private_badge: show, is_private: repo.isPrivate },
    });
    return { changed: true, show, repository: repo.name };
  });
}
