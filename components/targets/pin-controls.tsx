"use client";
// A target's pin and the release it could move to. Pinned: "Pinned at <sha> by <user>", or, when a newer
// release of the branch is held back by the pin, "Newer release <sha> is waiting: pinned at <sha> by <user>";
// what that means, and Unpin for operators, after a confirmation. Not pinned while a newer release than the
// current one exists: "Deploy the newest release (<sha>)", after a confirmation, unless a deployment of it
// already waits for approval (then a link to it). What the last Unpin did stays here after the banner goes.
import { useCallback, useId, useState } from "react";
import Link from "next/link";
import type { ActionState } from "@/lib/auth/action";
import { ConfirmAction } from "@/components/ui/forms/confirm-dialog";
import type { FormAction } from "@/components/ui/forms/result-state";
import { Notice } from "@/components/ui/notice";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { shortSha } from "@/components/format/ids";

export interface PinView {
  sha: string;
  by: string | null;
  at: Date | null;
}

export interface NewestView {
  releaseId: string;
  sha: string;
  message: string;
  /** a deployment of it to this target that waits for approval, if any */
  waitingDeploymentId?: string | null;
  /** what that deployment is doing, as the link's words ("Its deployment waits for approval") */
  waitingLabel?: string;
}

/** A newer release the pin holds back. */
export interface HeldBackView {
  releaseId: string;
  sha: string;
  message: string;
  createdAt: Date;
}

export function PinControls({
  targetId,
  targetName,
  branch,
  pin,
  heldBack,
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
  /** while pinned: the newest release of the branch, when newer than the pinned one */
  heldBack: HeldBackView | null;
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
        // keyed: the Deploy form below must not inherit the Unpin form's state (its answer) when the banner swaps
        <Notice
          key="pin"
          tone="warning"
          title={heldBack ? `Newer release ${shortSha(heldBack.sha)} is waiting: pinned at ${shortSha(pin.sha)} by ${pin.by ?? "someone"}` : `Pinned at ${shortSha(pin.sha)} by ${pin.by ?? "someone"}`}
        >
          <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-2">
            <div className="max-w-2xl space-y-1">
              {heldBack ? (
                <p data-testid="held-back-release">
                  <Link href={`/releases/${heldBack.releaseId}`} className="underline underline-offset-2" aria-label={`Release ${shortSha(heldBack.sha)}`}>
                    <Mono small className="text-inherit!">
                      {shortSha(heldBack.sha)}
                    </Mono>
                  </Link>
                  {heldBack.message ? ` ${heldBack.message}` : ""}, released <Timestamp date={heldBack.createdAt} now={now} relative />, is the newest release of{" "}
                  <Mono small>{branch}</Mono>; it does not deploy to {targetName} while the pin holds.
                </p>
              ) : null}
              <p>
                {pin.at ? (
                  <>
                    Since <Timestamp date={pin.at} now={now} relative />:{" "}
                  </>
                ) : null}
                new releases of <Mono small>{branch}</Mono> build but do not deploy to {targetName} until someone unpins it.
              </p>
            </div>
            {canOperate ? (
              <ConfirmAction
                action={unpin}
                values={{ targetId }}
                trigger="Unpin"
                triggerAriaLabel={`Unpin ${targetName}`}
                triggerVariant="secondary"
                title={`Unpin ${targetName}?`}
                confirmLabel="Unpin"
                confirmVariant="primary"
                pendingText="Unpinning…"
                dismissLabel="Keep the pin"
                className="shrink-0"
              >
                <p>
                  {targetName} follows <Mono small>{branch}</Mono> again: the next release of {branch} deploys there
                  {heldBack ? "" : " as soon as it is built"}.
                </p>
                {heldBack ? (
                  <p>
                    Unpinning does not deploy the waiting release {shortSha(heldBack.sha)} by itself: this page then offers to deploy it.
                  </p>
                ) : null}
                <p>The unpin is recorded in the audit log.</p>
              </ConfirmAction>
            ) : null}
          </div>
        </Notice>
      ) : newest ? (
        <Notice key="newest" tone="info" title="A newer release is not running here">
          <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-2">
            <p className="max-w-2xl">
              <Mono small>{shortSha(newest.sha)}</Mono>
              {newest.message ? ` ${newest.message}` : ""} is the newest release of <Mono small>{branch}</Mono>; {targetName} runs an older one.
              {busy && !newest.waitingDeploymentId ? <span id={busyId}> {busy}</span> : null}
            </p>
            {canOperate ? (
              newest.waitingDeploymentId ? (
                <Link href={`/deployments/${newest.waitingDeploymentId}`} className="btn-secondary shrink-0">
                  {newest.waitingLabel ?? "Its deployment waits for approval"}
                </Link>
              ) : busy ? (
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
