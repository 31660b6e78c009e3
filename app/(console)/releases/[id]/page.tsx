// One release: what was built (repository, build rule, commit with a link to its build, branch), the image by
// digest, and for a unikernel its file (target, path, size, sha256) with a Download; which of its targets run
// it now, its signed provenance (and how its last deployment checked it), and every deployment of it. Viewers
// may read it and download the file and the provenance statement.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { getReleaseDetail } from "@/lib/queries/release-detail";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CopyButton } from "@/components/ui/forms/copy-button";
import { BuildStateBadge } from "@/components/status/state-badges";
import { firstLine, shortSha } from "@/components/format/ids";
import { imageReference, targetKindWords } from "@/components/deployments/words";
import { unikernelTargetLabels } from "@/components/inventory/repos/words";
import { ArtifactFacts } from "@/components/releases/artifact-facts";
import { ReleaseDeployments } from "@/components/releases/release-deployments";
import { ProvenanceFacts } from "@/components/releases/provenance-facts";
import { getReleaseProvenance } from "@/lib/queries/release-provenance";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const r = await getReleaseDetail((await params).id);
  return { title: r ? `Release ${shortSha(r.commit.sha)} · ${r.repository.name}` : "Release not found" };
}

const muted = "text-zinc-500 dark:text-zinc-400";

export default async function ReleasePage({ params }: { params: Params }) {
  const { id } = await params;
  await requirePageUser("console.view", `/releases/${encodeURIComponent(id)}`);
  const [r, provenance] = await Promise.all([getReleaseDetail(id), getReleaseProvenance(id)]);
  if (!r) notFound();
  const now = new Date();
  const message = firstLine(r.commit.message);
  const image = r.image.repo ? imageReference({ imageRepo: r.image.repo, tag: r.image.tag, digest: r.image.digest }) : null;
  const runningOn = r.targets.filter((t) => t.current);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href={`/builds/${r.build.id}`} className="link">
          ← Build of {shortSha(r.commit.sha)}
        </Link>
      </nav>
      <PageHeader
        title={`Release ${shortSha(r.commit.sha)}`}
        description={
          <>
            {r.repository.name} · build rule {r.buildRule.name} · branch <Mono>{r.branch}</Mono>
            {message ? <> · {message}</> : null}
          </>
        }
        actions={
          runningOn.length ? (
            <Badge tone="emerald" title={`Runs on ${runningOn.map((t) => t.name).join(", ")}`}>
              Running on {runningOn.length === 1 ? runningOn[0]!.name : `${runningOn.length} targets`}
            </Badge>
          ) : null
        }
      />

      <div className="mb-5 grid gap-5 xl:grid-cols-3">
        <Panel id="release-heading" title="Release" className="xl:col-span-2">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
            <Fact term="Repository">
              <Link href={`/repositories/${r.repository.id}`} className="link">
                {r.repository.name}
              </Link>
            </Fact>
            <Fact term="Build rule">
              {r.buildRule.name}
              <span className={muted}>
                {" "}
                · {r.buildRule.kind}
                {r.artifact && r.artifact.target !== r.buildRule.name ? ` · ${r.artifact.target}` : ""}
              </span>
              <span className={`block text-xs ${muted}`}>
                <Mono small>{r.buildRule.dockerfile}</Mono>
              </span>
            </Fact>
            <Fact term="Branch">
              <Mono>{r.branch}</Mono>
            </Fact>
            <Fact term="Commit">
              <span className="inline-flex flex-wrap items-center gap-2">
                <Link href={`/builds/${r.build.id}`} className="link" title={`The build of ${r.commit.sha}`}>
                  <Mono className="text-inherit!">{shortSha(r.commit.sha)}</Mono>
                </Link>
                <CopyButton text={r.commit.sha} label={`Copy the commit sha ${r.commit.sha}`} />
              </span>
              {message ? <span className="block">{message}</span> : null}
              {r.commit.author || r.commit.pushedBy ? (
                <span className={`block text-xs ${muted}`}>{r.commit.pushedBy ? `pushed by ${r.commit.pushedBy}` : `by ${r.commit.author}`}</span>
              ) : null}
            </Fact>
            <Fact term="Built">
              <Timestamp date={r.createdAt} now={now} relative />
              <span className="mt-1 flex items-center gap-2 text-xs">
                <Link href={`/builds/${r.build.id}`} className="hover:underline">
                  attempt {r.build.attempt}
                </Link>
                <BuildStateBadge state={r.build.state} />
              </span>
            </Fact>
            <Fact term="Registry">{r.registry ? r.registry.name : <span className={muted}>none (anonymous)</span>}</Fact>
            <div className="col-span-2 lg:col-span-3">
              <Fact term="Image by digest">
                {image && r.image.digest ? (
                  <span className="flex items-start gap-2">
                    <Mono className="min-w-0 break-all">{image}</Mono>
                    <CopyButton text={image} label={`Copy the image reference ${image}`} className="shrink-0" />
                  </span>
                ) : (
                  <span className={muted}>no image was recorded</span>
                )}
              </Fact>
              {r.image.platformDigests.length > 1 ? (
                <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-0.5 text-xs">
                  {r.image.platformDigests.map((p) => (
                    <div key={p.arch} className="contents">
                      <dt className={muted}>{p.arch}</dt>
                      <dd className="break-all font-mono text-zinc-700 dark:text-zinc-300">{p.digest}</dd>
                    </div>
                  ))}
                </dl>
              ) : null}
            </div>
          </dl>
        </Panel>

        <Panel id="targets-heading" title="Targets" description={`Where the deployment rule for ${r.branch} deploys.`}>
          {r.targets.length ? (
            <ul aria-label="Targets of this release's deployment rule" className="space-y-2.5 text-sm">
              {r.targets.map((t) => (
                <li key={t.id} className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1">
                  <span className="min-w-0">
                    <Link href={`/targets/${t.id}`} className="link">
                      {t.name}
                    </Link>
                    <span className={`block text-xs ${muted}`}>
                      {targetKindWords[t.kind] ?? t.kind} <Mono small>{t.service}</Mono>
                    </span>
                  </span>
                  <span className="flex gap-1.5">
                    {t.current ? (
                      <Badge tone="emerald" dot={false}>
                        Running now
                      </Badge>
                    ) : null}
                    {t.pinned ? (
                      <Badge tone="amber" dot={false}>
                        Pinned here
                      </Badge>
                    ) : null}
                    {!t.current && !t.pinned ? <span className={`text-xs ${muted}`}>runs another release</span> : null}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">No targets: the release is kept in the registry only, ready to download or to deploy once a target is added.</p>
          )}
        </Panel>
      </div>

      {r.artifact ? (
        <Panel
          id="artifact-heading"
          title="Unikernel file"
          description={`The ${unikernelTargetLabels[r.artifact.target] ?? r.artifact.target} kernel this build took out of the image; a deploy puts exactly these bytes on the host.`}
          className="mb-5"
        >
          <ArtifactFacts releaseId={r.id} artifact={r.artifact} />
        </Panel>
      ) : null}

      {provenance ? (
        <Panel
          id="provenance-heading"
          title="Provenance"
          description="The in-toto statement Slipway signed for this release (SLSA provenance v1), pushed next to the image as a cosign attestation and checked before every deployment."
          className="mb-5"
        >
          <ProvenanceFacts p={provenance} />
        </Panel>
      ) : null}

      <section aria-labelledby="deployments-heading">
        <h2 id="deployments-heading" className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">
          Deployments
        </h2>
        {r.deployments.length ? (
          <ReleaseDeployments rows={r.deployments} now={now} />
        ) : (
          <EmptyState title="Not deployed yet" compact>
            <p>
              {r.targets.length
                ? `Each deployment of this release to ${r.targets.map((t) => t.name).join(", ")} appears here, with how it ended. A target pinned to another release does not take it until it is unpinned.`
                : `The deployment rule for ${r.branch} has no targets yet.`}
            </p>
          </EmptyState>
        )}
      </section>
    </>
  );
}
