// Console-wide deployment settings as the Settings → Deployments page shows them: the confirm level at or
// above which a deploy waits for approval (the value lib/services/deployments/schedule.ts decides with).
import { z } from "zod";
import { getDb } from "@/lib/db";
import { APPROVAL_LEVEL_SETTING, DEFAULT_APPROVAL_LEVEL } from "@/lib/services/deployments/schedule";
import { CONFIRM_LEVELS, type ConfirmLevelName } from "@/lib/validation/deployment-states";

export interface ApprovalLevelSetting {
  level: ConfirmLevelName;
  /** nobody set it (or the stored value is not a level): the default applies */
  isDefault: boolean;
  updatedAt: Date | null;
}

export async function approvalLevelSetting(): Promise<ApprovalLevelSetting> {
  const row = await getDb().setting.findUnique({ where: { key: APPROVAL_LEVEL_SETTING } });
  const parsed = z.enum(CONFIRM_LEVELS).safeParse(row?.value);
  return parsed.success ? { level: parsed.data, isDefault: false, updatedAt: row?.updatedAt ?? null } : { level: DEFAULT_APPROVAL_LEVEL, isDefault: true, updatedAt: null };
}
