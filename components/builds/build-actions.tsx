"use client";
// Cancel (while the build is queued or running, after a confirmation) and Rebuild (once it ended), for
// operators. A rebuild that would deploy (its commit is still the head of a deployment branch) asks first and
// names the targets; one that deploys nowhere runs at once. A refusal is shown in words next to the button;
// a rebuild opens the new attempt's page.
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import { Hidden } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";

function Outcome() {
  const { state } = useActionForm();
  if (!state) return <p role="status" className="sr-only" />;
  if (state.ok) {
    return (
      <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
        {state.message}
      </p>
    );
  }
  return (
    <p role="alert" className="max-w-md rounded-md border border-red-300 bg-red-50 px-3 py-1.5 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
      {state.error}
    </p>
  );
}

export interface RebuildDeploys {
  branch: string;
  targets: { name: string; pinned: boolean }[];
}

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

export function RebuildButton({ action, buildId, sha, deploys }: { action: FormAction; buildId: string; /** short commit */ sha: string; deploys: RebuildDeploys[] }) {
  const targets = deploys.flatMap((d) => d.targets);
  const to = targets.filter((t) => !t.pinned).map((t) => t.name);
  const pinned = targets.filter((t) => t.pinned).map((t) => t.name);
  if (to.length) {
    return (
      <ConfirmAction
        action={action}
        values={{ buildId }}
        trigger="Rebuild"
        triggerVariant="primary"
        title={`Rebuild ${sha} and deploy it?`}
        confirmLabel="Rebuild and deploy"
        confirmVariant="primary"
        pendingText="Queueing…"
        showSuccess
      >
        <p>
          {sha} is still the head of {list(deploys.map((d) => d.branch))}: once the rebuild succeeds, its new image is released and deployed to {list(to)}
          , as a push would be (after approval where the rule asks for it).
        </p>
        {pinned.length ? <p>{list(pinned)} {pinned.length === 1 ? "is" : "are"} pinned and keep{pinned.length === 1 ? "s" : ""} running what {pinned.length === 1 ? "it runs" : "they run"}.</p> : null}
        <p>The rebuild is recorded in the audit log.</p>
      </ConfirmAction>
    );
  }
  return (
    <ActionForm action={action} summary={false} className="flex flex-wrap items-center justify-end gap-3" label="Rebuild">
      <Hidden values={{ buildId }} />
      <Outcome />
      <SubmitButton pendingText="Queueing…">Rebuild</SubmitButton>
    </ActionForm>
  );
}

export function CancelBuildButton({ action, buildId, what, cancelling }: { action: FormAction; buildId: string; /** "acme/web Dockerfile at 0a1b2c3" */ what: string; cancelling: boolean }) {
  if (cancelling) {
    return (
      <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
        Cancelling…
      </p>
    );
  }
  return (
    <ConfirmAction
      action={action}
      values={{ buildId }}
      trigger="Cancel build"
      triggerVariant="secondary"
      title="Cancel this build?"
      confirmLabel="Cancel build"
      pendingText="Cancelling…"
      dismissLabel="Keep building"
      showSuccess
    >
      <p>
        Stops the build of {what}. A queued build is cancelled at once; a running one stops when its build host has stopped the build. The branch keeps
        its previous image, and Rebuild starts it again.
      </p>
    </ConfirmAction>
  );
}
