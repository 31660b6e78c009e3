// What the import route answers (POST /api/inventory/import): the plan of a preview or of an applied import,
// or the problems with the file.
import type { Change } from "@/lib/config/diff";
import type { FieldIssue } from "@/lib/errors";

export type { Change, FieldIssue };

export interface ImportPlanView {
  changes: Change[];
  counts: { create: number; update: number; delete: number };
  planId: string;
}

export type ImportAnswer = { ok: true; dryRun: boolean; plan: ImportPlanView } | { ok: false; status: number; error: string; issues: FieldIssue[] };
