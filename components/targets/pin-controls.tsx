"use client";
// A target's pin and the release it could move to. Pinned: "Pinned at <sha> by <user>", what that means,
// and Unpin for operators. Not pinned while a newer release than the current one exists: "Deploy the newest
// release (<sha>)", after a confirmation. What the last Unpin did stays here after the banner goes.
import { useCallback, useId, useState } from "react";
import type { ActionState } from "@/lib/auth/action";
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import { Hidden } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";
import { Notice } from "@/components/ui/notice";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { shortSha } from "@/components/format/ids";

function Refusal() {
  const { state } = useActionForm();
  if (!state || state.ok) return null;
  return (
    <p role="alert" className="mt-2 rounded-md border border-red-300 bg-red-50 px-3 py-1.5 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
      {state.error}
    </p>
  );
}

export interface PinView {
  sha: string;
  by: string | null;
  at: Date | null;
}

export interface NewestView {
  releaseId: string;
  sha: string;
  message: string;
}

export function PinControls({
  targetId,
  targetName,
  branch,
  pin,
  newest,
  busy,
  canOperate,
  unpinAction,
  deployAction,
  now,
}: {
  targetId: string;
  targetName: string;
  branch: string;
  pin: PinView | null;
  /** the newest release of the rule when the target does not run it */
  newest: NewestView | null;
  /** why nothing can be deployed now (a deployment is running), or null */
  busy: string | null;
  canOperate: boolean;
  unpinAction: FormAction;
  deployAction: FormAction;
  now: Date;
}) {
  const [unpinned, setUnpinned] = useState<string | null>(null);
  const busyId = useId();
  // the banner (and its form) is gone in the render that brings the action's answer: keep the answer here
  const unpin = useCallback(
    async (prev: ActionState, form: FormData): Promise<ActionState> => {
      const state = await unpinAction(prev, form);
      if (state?.ok) setUnpinned(state.message);
      return state;
    },
    [unpinAction],
  );
  if (!pin && !newest && !unpinned) return null;
  return (
    <div className="space-y-3" data-testid="pin-controls">
      {unpinned && !pin ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100">
          {unpinned}
        </p>
      ) : null}
      {pin ? (
        <Notice tone="warning" title={`Pinned at ${shortSha(pin.sha)} by ${pin.by ?? "someone"}`}>
          <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-2">
            <p className="max-w-2xl">
              {pin.at ? (
                <>
                  Since <Timestamp date={pin.at} now={now} relative />:{" "}
                </>
              ) : null}
              new releases of <Mono small>{branch}</Mono> build but do not deploy to {targetName} until someone unpins it.
            </p>
            {canOperate ? (
              <ActionForm action={unpin} summary={false} className="shrink-0" label={`Unpin ${targetName}`}>
                <Hidden values={{ targetId }} />
                <SubmitButton variant="secondary" pendingText="Unpinning…" ariaLabel={`Unpin ${targetName}`}>
                  Unpin
                </SubmitButton>
                <Refusal />
              </ActionForm>
            ) : null}
          </div>
        </Notice>
      ) : newest ? (
        <Notice tone="info" title="A newer release is not running here">
          <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-2">
            <p className="max-w-2xl">
              <Mono small>{shortSha(newest.sha)}</Mono>
              {newest.message ? ` ${newest.message}` : ""} is the newest release of <Mono small>{branch}</Mono>; {targetName} runs an older one.
              {busy ? <span id={busyId}> {busy}</span> : null}
            </p>
            {canOperate ? (
              busy ? (
                <button type="button" className="btn-primary shrink-0" disabled aria-describedby={busyId}>
                  Deploy the newest release ({shortSha(newest.sha)})
                </button>
              ) : (
                <ConfirmAction
                  action={deployAction}
                  values={{ targetId, releaseId: newest.releaseId }}
                  trigger={`Deploy the newest release (${shortSha(newest.sha)})`}
                  triggerVariant="primary"
                  title={`Deploy ${shortSha(newest.sha)} to ${targetName}?`}
                  confirmLabel={`Deploy ${shortSha(newest.sha)}`}
                  confirmVariant="primary"
                  pendingText="Deploying…"
                  showSuccess
                  className="shrink-0"
                >
                  <p>
                    Puts the release built from {shortSha(newest.sha)} on {targetName}, as a push to {branch} would have.
                    {" "}If its rule asks for approval, it waits in Approvals until someone else approves it; otherwise it starts as soon as a worker takes it.
                  </p>
                </ConfirmAction>
              )
            ) : null}
          </div>
        </Notice>
      ) : null}
    </div>
  );
}
