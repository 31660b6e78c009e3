// What a build released: per deployment rule, the image (repo:tag@digest, and each architecture's own
// digest) or the unikernel artifact, each copyable as the exact reference to deploy, and a link to the
// release's page (its deployments; a unikernel's Download).
import Link from "next/link";
import type { BuildReleaseRow } from "@/lib/queries/build-detail";
import { CopyButton } from "@/components/ui/forms/copy-button";
import { Mono } from "@/components/ui/table";
import { visibleText } from "@/components/format/visible-text";

function imageReference(r: BuildReleaseRow): string | null {
  if (!r.imageRepo) return null;
  return `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

export function ReleaseList({ releases }: { releases: BuildReleaseRow[] }) {
  return (
    <ul aria-label="Releases" className="divide-y divide-zinc-100 dark:divide-zinc-800">
      {releases.map((r) => {
        const ref = imageReference(r);
        return (
          <li key={r.id} className="py-3 first:pt-0 last:pb-0">
            <p className="mb-1 flex flex-wrap items-baseline justify-between gap-x-3 text-xs text-zinc-500 dark:text-zinc-400">
              <span>
                For branch <Mono small>{visibleText(r.branch)}</Mono>
              </span>
              <Link href={`/releases/${r.id}`} className="link" aria-label={`The release for ${visibleText(r.branch)}: its deployments${r.artifactPath ? " and its file" : ""}`}>
                Release page →
              </Link>
            </p>
            {ref ? (
              <div className="flex items-start gap-3">
                <Mono className="min-w-0 flex-1 break-all">{ref}</Mono>
                <CopyButton text={ref} label={`Copy the image reference ${ref}`} />
              </div>
            ) : null}
            {r.artifactPath ? (
              <div className="space-y-0.5">
                <Mono className="break-all">{r.artifactPath}</Mono>
                {r.artifactSha256 ? <p className="font-mono text-xs text-zinc-500 dark:text-zinc-400">sha256:{r.artifactSha256}</p> : null}
              </div>
            ) : null}
            {r.platformDigests.length ? (
              <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-0.5 text-xs">
                {r.platformDigests.map((p) => (
                  <div key={p.arch} className="contents">
                    <dt className="text-zinc-500 dark:text-zinc-400">{p.arch}</dt>
                    <dd className="break-all font-mono text-zinc-700 dark:text-zinc-300">{p.digest}</dd>
                  </div>
                ))}
              </dl>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
