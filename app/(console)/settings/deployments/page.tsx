// Settings → Deployments: the console-wide approval level (ocurrent's confirm level): deployments of rules at
// that confirm level or above wait for approval, even when their rule approves automatically.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { approvalLevelSetting } from "@/lib/queries/deployment-settings";
import { CONFIRM_LEVELS } from "@/lib/validation/deployment-states";
import { PageHeader } from "@/components/ui/page-header";
import { Panel } from "@/components/ui/forms/panel";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import { confirmLabels } from "@/components/inventory/repos/words";
import { ApprovalLevelForm } from "@/components/settings/approval-level-form";
import { setApprovalLevelAction } from "./actions";

export const metadata: Metadata = { title: "Deployment settings" };

const levelHelp: Record<(typeof CONFIRM_LEVELS)[number], string> = {
  harmless: "documentation sites, previews",
  mostly_harmless: "internal tools",
  average: "most services (the default of a new rule)",
  above_average: "services people depend on",
  dangerous: "databases, anything hard to undo",
};

export default async function DeploymentSettingsPage() {
  const user = await requirePageUser("console.view", "/settings/deployments");
  const setting = await approvalLevelSetting();
  const canEdit = can(user, "settings.edit");
  const now = new Date();
  const index = CONFIRM_LEVELS.indexOf(setting.level);
  return (
    <>
      <PageHeader title="Deployments" description="When a deployment waits for someone to approve it before it runs." />
      <Panel
        id="approval-level-heading"
        title="Approval level"
        description={
          <>
            Each deployment rule has a confirm level. Deployments of rules at the approval level or above wait in Approvals until an operator approves
            them, even when their rule approves automatically. Rules set to manual approval always wait.
          </>
        }
      >
        <div className="space-y-5">
          <p className="text-sm text-zinc-800 dark:text-zinc-200" data-testid="approval-level">
            Now: deployments wait for approval from <strong className="font-semibold">{confirmLabels[setting.level]}</strong> up
            {setting.isDefault ? (
              <span className="text-zinc-500 dark:text-zinc-400"> (the default)</span>
            ) : setting.updatedAt ? (
              <span className="text-zinc-500 dark:text-zinc-400">
                {" "}
                (set <Timestamp date={setting.updatedAt} now={now} relative />)
              </span>
            ) : null}
            .
          </p>
          <ol aria-label="Confirm levels" className="grid gap-2 sm:grid-cols-2 xl:grid-cols-5">
            {CONFIRM_LEVELS.map((l, i) => (
              <li
                key={l}
                className={`rounded-md border px-3 py-2 text-sm ${i >= index ? "border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950/40" : "border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"}`}
              >
                <span className="flex items-center justify-between gap-2">
                  <span className="font-medium text-zinc-900 dark:text-zinc-100">{confirmLabels[l]}</span>
                  {i >= index ? (
                    <Badge tone="amber" dot={false}>
                      waits
                    </Badge>
                  ) : (
                    <Badge tone="zinc" dot={false}>
                      automatic
                    </Badge>
                  )}
                </span>
                <span className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">{levelHelp[l]}</span>
              </li>
            ))}
          </ol>
          {canEdit ? (
            <ApprovalLevelForm action={setApprovalLevelAction} level={setting.level} />
          ) : (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Only admins change the approval level.</p>
          )}
        </div>
      </Panel>
    </>
  );
}
