// Audit codes in words: actions (from lib/audit/actions.ts), their families, and subject types.
import { auditActionNames, auditActions, isAuditAction } from "@/lib/audit/actions";

export function actionWords(action: string): string | null {
  return isAuditAction(action) ? auditActions[action] : null;
}

const familyWords: Record<string, string> = {
  auth: "sign-in and sign-out",
  user: "users",
  session: "sessions",
};

/** "user." etc.: every family of the known actions, in order of first appearance. */
export function actionFamilies(): { prefix: string; label: string }[] {
  const seen = new Set<string>();
  const out: { prefix: string; label: string }[] = [];
  for (const name of auditActionNames) {
    const family = name.split(".", 1)[0] ?? name;
    if (seen.has(family)) continue;
    seen.add(family);
    out.push({ prefix: `${family}.`, label: `Any ${family}.* action${familyWords[family] ? ` (${familyWords[family]})` : ""}` });
  }
  return out;
}

export function subjectTypeWords(subjectType: string): string {
  return subjectType.replace(/_/g, " ");
}

export const actorTypeWords: Record<string, string> = {
  user: "user",
  api_token: "API token",
  system: "Slipway",
  worker: "worker",
};
