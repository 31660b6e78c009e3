// One build: what was built (repository, rule, commit) for which branches and pull requests, who or what
// started it, where it ran, how long it took, its other attempts, what it released, and its log, live.
// Operators cancel it while it runs and rebuild it once it ended.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { getBuildDetail, type BuildDetail } from "@/lib/queries/build-detail";
import { isActiveBuildState } from "@/lib/validation/build-states";
import { PageHeader } from "@/components/ui/page-header";
import { Notice } from "@/components/ui/notice";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CopyButton } from "@/components/ui/forms/copy-button";
import { BuildStateBadge } from "@/components/status/state-badges";
import { Badge } from "@/components/ui/badge";
import { RefLabel } from "@/components/lists/ref-label";
import { buildTriggerWords } from "@/components/lists/build-table";
import { firstLine, shortSha } from "@/components/format/ids";
import { LiveDuration } from "@/components/builds/live-duration";
import { LogViewer } from "@/components/logs/log-viewer";
import { LogCutNotice } from "@/components/logs/log-cut-notice";
import { LOG_STORE_FULL } from "@/lib/validation/build-states";
import { ReleaseList } from "@/components/builds/release-list";
import { CancelBuildButton, RebuildButton } from "@/components/builds/build-actions";
import { buildStateSentence } from "@/components/builds/words";
import { cancelBuildAction, rebuildAction } from "./actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const b = await getBuildDetail((await params).id);
  return { title: b ? `Build ${shortSha(b.commit.sha)} · ${b.repository.name}` : "Build not found" };
}

function refBuildsHref(b: BuildDetail, r: BuildDetail["refs"][number]): string {
  const qs = new URLSearchParams({ repository: b.repository.name });
  if (r.kind === "pull_request" && r.prNumber !== null) qs.set("pr", String(r.prNumber));
  else qs.set("branch", r.name);
  return `/builds?${qs.toString()}`;
}

function noticeTone(state: BuildDetail["state"]): "error" | "info" | "success" | "warning" {
  if (state === "failed") return "error";
  if (state === "succeeded") return "success";
  return "info";
}

export default async function BuildPage({ params }: { params: Params }) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/builds/${encodeURIComponent(id)}`);
  const b = await getBuildDetail(id);
  if (!b) notFound();
  const now = new Date();
  const active = isActiveBuildState(b.state);
  const canCancel = can(user, "build.cancel");
  const canRebuild = can(user, "build.rebuild");
  const github = b.repository.provider === "github";
  const what = `${b.repository.name} ${b.buildRule.name} at ${shortSha(b.commit.sha)}`;
  const message = firstLine(b.commit.message);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/builds" className="link">
          ← Builds
        </Link>
      </nav>
      <PageHeader
        title={`${b.repository.name} · ${b.buildRule.name}`}
        description={
          <>
            Attempt {b.attempt} of <Mono>{shortSha(b.commit.sha)}</Mono>
            {message ? <> · {message}</> : null}
          </>
        }
        actions={
          <>
            <span data-testid="build-state">
              <BuildStateBadge state={b.state} />
            </span>
            {canCancel && active ? <CancelBuildButton action={cancelBuildAction} buildId={b.id} what={what} cancelling={b.cancelRequestedAt !== null} /> : null}
            {canRebuild && !active ? <RebuildButton action={rebuildAction} buildId={b.id} sha={shortSha(b.commit.sha)} deploys={b.rebuildDeploysTo} /> : null}
          </>
        }
      />

      <Notice tone={noticeTone(b.state)} role="status" className="mb-5">
        <p>
          {buildStateSentence({ state: b.state, reason: b.reason, dockerContext: b.dockerContext, cancelRequestedAt: b.cancelRequestedAt, releases: b.releases.length })}
          {b.state === "superseded" && b.supersededById ? (
            <>
              {" "}
              <Link href={`/builds/${b.supersededById}`} className="underline underline-offset-2">
                See the newer build
              </Link>
              .
            </>
          ) : null}
        </p>
      </Notice>

      <div className="mb-5 grid gap-5 xl:grid-cols-3">
        <Panel id="build-heading" title="Build" className="xl:col-span-2">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
            <Fact term="Repository">
              <Link href={`/repositories/${b.repository.id}`} className="link">
                {b.repository.name}
              </Link>
            </Fact>
            <Fact term="Build rule">
              {b.buildRule.name}
              <span className="text-zinc-500 dark:text-zinc-400">
                {" "}
                · {b.buildRule.kind} · {b.buildRule.archs.join(", ")}
              </span>
              {b.buildRule.archived ? (
                <>
                  {" "}
                  <Badge tone="zinc" title="Removed from the inventory with its history kept: it builds nothing more">
                    archived
                  </Badge>
                </>
              ) : null}
            </Fact>
            <Fact term="Commit">
              <span className="inline-flex flex-wrap items-center gap-2">
                {github ? (
                  <a href={`https://github.com/${b.repository.name}/commit/${b.commit.sha}`} className="link" title={b.commit.sha}>
                    <Mono className="text-inherit!">{shortSha(b.commit.sha)}</Mono>
                  </a>
                ) : (
                  <Mono title={b.commit.sha}>{shortSha(b.commit.sha)}</Mono>
                )}
                <CopyButton text={b.commit.sha} label={`Copy the commit sha ${b.commit.sha}`} />
              </span>
              {b.commit.author ? <span className="block text-xs text-zinc-500 dark:text-zinc-400">by {b.commit.author}</span> : null}
            </Fact>
            <Fact term={b.refs.length === 1 ? (b.refs[0]!.kind === "branch" ? "Branch" : "Pull request") : "Branches and pull requests"}>
              {b.refs.length ? (
                <ul className="space-y-0.5">
                  {b.refs.map((r) => (
                    <li key={r.id}>
                      <Link href={refBuildsHref(b, r)} className="hover:underline" title={`Builds of ${r.kind === "branch" ? r.name : `PR #${r.prNumber}`}`}>
                        <RefLabel value={r} />
                      </Link>
                      {r.kind === "pull_request" && r.prTitle ? <span className="text-zinc-600 dark:text-zinc-400"> {r.prTitle}</span> : null}
                      {r.closed ? <span className="text-xs text-zinc-500 dark:text-zinc-400"> ({r.kind === "branch" ? "deleted" : "closed"})</span> : null}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="text-zinc-500 dark:text-zinc-400">none any more</span>
              )}
            </Fact>
            <Fact term="Started by">
              {buildTriggerWords[b.trigger] ?? b.trigger}
              {b.triggeredBy ? ` by ${b.triggeredBy}` : ""}
              {b.cancelledBy ? <span className="block text-xs text-zinc-500 dark:text-zinc-400">cancelled by {b.cancelledBy}</span> : null}
            </Fact>
            <Fact term="Build host">
              {b.dockerContext ? (
                <Link href={`/contexts/${b.dockerContext.id}`} className="link">
                  {b.dockerContext.name}
                </Link>
              ) : (
                <span className="text-zinc-500 dark:text-zinc-400">{b.state === "queued" ? "not chosen yet" : "none"}</span>
              )}
            </Fact>
            <Fact term="Queued">
              <Timestamp date={b.queuedAt} seconds />
            </Fact>
            <Fact term="Started">{b.startedAt ? <Timestamp date={b.startedAt} seconds /> : <span className="text-zinc-500 dark:text-zinc-400">not yet</span>}</Fact>
            <Fact term={b.finishedAt ? "Finished" : "Duration"}>
              {b.finishedAt ? (
                <>
                  <Timestamp date={b.finishedAt} seconds />
                  {b.startedAt ? (
                    <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                      took <LiveDuration from={b.startedAt} to={b.finishedAt} now={now} />
                    </span>
                  ) : null}
                </>
              ) : b.startedAt ? (
                <>
                  <LiveDuration from={b.startedAt} to={null} now={now} /> so far
                </>
              ) : (
                <>
                  queued for <LiveDuration from={b.queuedAt} to={null} now={now} />
                </>
              )}
            </Fact>
          </dl>
        </Panel>

        <div>
          <Panel id="attempts-heading" title="Attempts" description={b.attempts.length > 1 ? `${b.attempts.length} builds of this rule on this commit.` : "The first build of this rule on this commit."}>
            <ol className="space-y-1.5 text-sm">
              {b.attempts.map((a) => (
                <li key={a.id} className="flex items-center justify-between gap-3">
                  {a.id === b.id ? (
                    <span aria-current="page" className="font-medium text-zinc-900 dark:text-zinc-100">
                      Attempt {a.attempt} (this one)
                    </span>
                  ) : (
                    <Link href={`/builds/${a.id}`} className="link">
                      Attempt {a.attempt}
                    </Link>
                  )}
                  <BuildStateBadge state={a.state} />
                </li>
              ))}
            </ol>
          </Panel>
        </div>
      </div>

      {b.releases.length ? (
        <Panel id="releases-heading" title="Releases" description="What this build published, by digest: the exact image to deploy or roll back to." className="mb-5">
          <ReleaseList releases={b.releases} />
        </Panel>
      ) : null}

      {b.logTruncated ? <LogCutNotice logBytes={b.logBytes} storeFull={storeFullWords(b.reason)} /> : null}
      <LogViewer subject="build" id={b.id} state={b.state} startedAt={b.startedAt} finishedAt={b.finishedAt} now={now} />
    </>
  );
}

/** The part of a build's reason that says its log store was full (lib/build/log-writer.ts), if it does. */
function storeFullWords(reason: string | null): string | null {
  const at = reason?.indexOf(LOG_STORE_FULL) ?? -1;
  return at >= 0 ? reason!.slice(at) : null;
}
