// slipway.yml: export the inventory, preview an import (the diff), and apply it in one transaction.
// An import is all or nothing: any invalid field, missing reference or refused change writes nothing, and
// every problem is reported in one answer. A dry run is the import itself, rolled back at its end.
import { createHash } from "node:crypto";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { CommandError, ConflictError, ValidationError, type FieldIssue } from "@/lib/errors";
import { checkDocument } from "@/lib/config/check";
import { diffInventory, summarizeChanges, type Change } from "@/lib/config/diff";
import { readYaml, toYaml } from "@/lib/config/yaml";
import { applyChange } from "@/lib/services/inventory/apply";
import { lockInventory, readInventory } from "@/lib/services/inventory/state";

export interface ImportPlan {
  changes: Change[];
  counts: { create: number; update: number; delete: number };
  /** identifies this exact plan: applying with it refuses if the inventory moved since the preview */
  planId: string;
}

function planId(changes: Change[]): string {
  return createHash("sha256").update(JSON.stringify(changes)).digest("hex").slice(0, 16);
}

/** The whole inventory as slipway.yml (secrets by name only). */
export async function exportInventory(actor: Actor): Promise<string> {
  authorize(actor, "console.view");
  return toYaml(await readInventory(getDb()));
}

function parseConfig(text: string) {
  const y = readYaml(text);
  if (!y.ok) throw new ValidationError(y.issues);
  const checked = checkDocument(y.value, y.locate);
  if (!checked.ok) throw new ValidationError(checked.issues);
  return checked.canon;
}

/** Thrown at the end of a dry run's transaction to roll it back with the plan it applied. */
class DryRunRollback extends Error {
  constructor(readonly plan: ImportPlan) {
    super("dry run: rolled back");
  }
}

/**
 * What importing `text` would change, without changing anything: the import itself, run to its end inside
 * a transaction that is then rolled back, so a dry run that passes means the import passes.
 */
export async function previewImport(actor: Actor, text: string): Promise<ImportPlan> {
  return runImport(actor, text, { dryRun: true });
}

/**
 * Applies `text` in one transaction, with an audit event per change and one for the import. With
 * `expectedPlanId` (from a preview), refuses when the changes differ from what was previewed.
 */
export async function importInventory(
  actor: Actor,
  text: string,
  opts: { expectedPlanId?: string; source?: string } = {},
): Promise<ImportPlan> {
  return runImport(actor, text, { ...opts, dryRun: false });
}

async function runImport(actor: Actor, text: string, opts: { expectedPlanId?: string; source?: string; dryRun: boolean }): Promise<ImportPlan> {
  authorize(actor, "inventory.edit");
  const desired = parseConfig(text);
  try {
    return await getDb().$transaction(
      async (tx) => {
        await lockInventory(tx);
        const changes = diffInventory(await readInventory(tx), desired);
        const plan = { changes, counts: summarizeChanges(changes), planId: planId(changes) };
        if (opts.expectedPlanId && opts.expectedPlanId !== plan.planId) {
          throw new ConflictError("The inventory changed since this import was previewed; review the new list of changes and apply again.");
        }
        // Every change is tried, each behind a savepoint. One the database refuses is undone and tried again
        // after the others (a build can change kind once the deletes later in the list removed its targets);
        // passes go on while one of them makes progress. What still fails is reported, every change at once,
        // and any refusal rolls all back.
        let issues: FieldIssue[] = [];
        let pending = changes;
        for (let savepoint = 0; pending.length; ) {
          const refused: Change[] = [];
          issues = [];
          for (const change of pending) {
            const name = `change_${savepoint++}`;
            await tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
            try {
              await applyChange(tx, actor, change);
              await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
            } catch (err) {
              if (!(err instanceof CommandError)) throw err;
              await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${name}`);
              refused.push(change);
              if (err instanceof ValidationError) issues.push(...err.issues.map((i) => ({ path: change.label, message: i.path ? `${i.path}: ${i.message}` : i.message })));
              else issues.push({ path: change.label, message: err.message });
            }
          }
          if (refused.length === pending.length) break;
          pending = refused;
        }
        if (issues.length) throw new ValidationError(issues);
        if (changes.length) {
          const c = plan.counts;
          await recordAudit(tx, {
            actor,
            action: "inventory.imported",
            subjectType: "system",
            summary: `slipway.yml imported${opts.source ? ` from ${opts.source}` : ""}: ${c.create} created, ${c.update} changed, ${c.delete} deleted`,
            after: { counts: c, planId: plan.planId },
          });
        }
        if (opts.dryRun) throw new DryRunRollback(plan);
        return plan;
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
  } catch (err) {
    if (err instanceof DryRunRollback) return err.plan;
    throw err;
  }
}
