// Console-wide deployment settings as the Settings → Deployments page shows them: the confirm level at or
// above which a deploy waits for approval (read by lib/services/deployments/schedule.ts, which decides with it).
import "server-only";
import { getDb } from "@/lib/db";
import { readApprovalLevel, type ApprovalLevelSetting } from "@/lib/services/deployments/schedule";

export async function approvalLevelSetting(): Promise<ApprovalLevelSetting> {
  return readApprovalLevel(getDb());
}
