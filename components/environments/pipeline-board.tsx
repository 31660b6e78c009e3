// One deployment rule's pipeline: its environments as columns in stage order, each with the release every
// target there runs (or what each runs, when they differ), its targets with any deployment under way, and under
// it the Promote button to the next stage or the reasons it cannot move on yet.
import Link from "next/link";
import type { Pipeline, PipelineStage } from "@/lib/queries/environments";
import type { FormAction } from "@/components/ui/forms/result-state";
import { Badge } from "@/components/ui/badge";
import { Timestamp } from "@/components/ui/timestamp";
import { DeploymentStateBadge } from "@/components/status/state-badges";
import { firstLine, shortDigest, shortSha } from "@/components/format/ids";
import { formatDuration } from "@/components/format/time";
import { PromoteButton } from "@/components/environments/promote-button";

function StagePolicy({ stage }: { stage: PipelineStage }) {
  const parts = [
    stage.soakSeconds ? `soak ${formatDuration(stage.soakSeconds * 1000)}` : "no soak time",
    stage.approvalMode === "manual" ? `approval by ${stage.minApprovers}` : "no approval",
    stage.checkUrls.length ? `${stage.checkUrls.length} check URL${stage.checkUrls.length === 1 ? "" : "s"}` : null,
  ].filter(Boolean);
  return <p className="text-xs text-zinc-500 dark:text-zinc-400">{parts.join(" · ")}</p>;
}

function Column({ pipeline, stage, next, now, promote }: { pipeline: Pipeline; stage: PipelineStage; next: PipelineStage | null; now: Date; promote: FormAction | null }) {
  const r = stage.release;
  return (
    <li className="flex min-w-0 flex-col gap-3 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900" aria-label={`Environment ${stage.name}`}>
      <div>
        <h3 className="text-sm font-semibold">
          <span className="mr-1.5 text-xs font-normal text-zinc-500 dark:text-zinc-400">{stage.position + 1}.</span>
          {stage.name}
        </h3>
        <StagePolicy stage={stage} />
      </div>
      <div className="min-h-16 rounded-md bg-zinc-50 p-3 text-sm dark:bg-zinc-950/40">
        {r ? (
          <>
            <p className="flex flex-wrap items-baseline gap-x-2">
              <Link href={`/releases/${r.id}`} className="link font-mono">
                {shortSha(r.commitSha)}
              </Link>
              <span className="min-w-0 truncate text-zinc-700 dark:text-zinc-300" title={r.title}>
                {firstLine(r.title) || "(no message)"}
              </span>
            </p>
            <p className="mt-1 truncate font-mono text-xs text-zinc-500 dark:text-zinc-400" title={r.digest ?? r.artifactSha256 ?? undefined}>
              {r.artifactSha256 ? `sha256:${r.artifactSha256.slice(0, 12)}` : r.digest ? shortDigest(r.digest) : "no digest"}
            </p>
            {stage.promotion?.soakEndsAt ? (
              <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
                soak {stage.promotion.soakEndsAt > now ? "ends" : "ended"} <Timestamp date={stage.promotion.soakEndsAt} now={now} relative />
              </p>
            ) : null}
          </>
        ) : stage.targets.length === 0 ? (
          <p className="text-zinc-500 dark:text-zinc-400">No targets in this environment.</p>
        ) : stage.targets.every((t) => !t.releaseId) ? (
          <p className="text-zinc-500 dark:text-zinc-400">Nothing deployed here yet.</p>
        ) : (
          <p className="text-zinc-600 dark:text-zinc-300">Its targets run different releases.</p>
        )}
      </div>
      <ul className="space-y-1 text-sm" aria-label={`Targets of ${stage.name}`}>
        {stage.targets.map((t) => {
          const runs = t.releaseId ? pipeline.releases[t.releaseId] : null;
          return (
            <li key={t.id} className="flex flex-wrap items-center gap-x-2 gap-y-1">
              <Link href={`/targets/${t.id}`} className="link min-w-0 truncate">
                {t.name}
              </Link>
              {!r && runs ? <span className="font-mono text-xs text-zinc-500">{shortSha(runs.commitSha)}</span> : null}
              {t.pinned ? (
                <Badge tone="amber" title="Pinned: promotions to it are refused until it is unpinned">
                  Pinned
                </Badge>
              ) : null}
              {t.active ? <DeploymentStateBadge state={t.active.state} /> : null}
            </li>
          );
        })}
      </ul>
      {stage.promotion && next ? (
        <div className="mt-auto border-t border-zinc-200 pt-3 dark:border-zinc-800">
          {promote ? (
            <PromoteButton
              action={promote}
              releaseId={stage.promotion.releaseId}
              sha={r!.commitSha}
              from={stage.name}
              to={next.name}
              targets={next.targets.map((t) => t.name)}
              blockers={stage.promotion.blockers}
              needsApproval={stage.promotion.needsApproval}
              checkUrls={stage.checkUrls}
            />
          ) : (
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              {stage.promotion.blockers.length ? `Not promotable to ${next.name} yet: ${stage.promotion.blockers.join("; ")}.` : `Promotable to ${next.name} (an operator can promote it).`}
            </p>
          )}
        </div>
      ) : null}
    </li>
  );
}

export function PipelineBoard({ pipeline, now, promote }: { pipeline: Pipeline; now: Date; promote: FormAction | null }) {
  const title = `${pipeline.repository} · ${pipeline.buildRule} · ${pipeline.branch}`;
  return (
    <section aria-label={title} className="space-y-3">
      <h2 className="text-base font-semibold">
        <Link href={`/repositories/${pipeline.repositoryId}`} className="link">
          {pipeline.repository}
        </Link>{" "}
        <span className="font-normal text-zinc-500 dark:text-zinc-400">
          {pipeline.buildRule} · branch <span className="font-mono">{pipeline.branch}</span>
        </span>
      </h2>
      <ol className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[repeat(auto-fit,minmax(15rem,1fr))]">
        {pipeline.stages.map((s, i) => (
          <Column key={s.id} pipeline={pipeline} stage={s} next={pipeline.stages[i + 1] ?? null} now={now} promote={promote} />
        ))}
      </ol>
      {pipeline.unstagedTargets.length ? (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">In no environment (deployed from the branch): {pipeline.unstagedTargets.join(", ")}.</p>
      ) : null}
    </section>
  );
}
