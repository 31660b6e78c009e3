// The README badge of a repository's default branch: how it looks now, and the Markdown to paste.
import { CopyableText } from "@/components/ui/forms/copy-button";

/** /api/badges/<owner>/<name>.svg?branch=<branch>, each path segment encoded. */
export function badgePath(repository: string, branch: string): string {
  return `/api/badges/${repository.split("/").map(encodeURIComponent).join("/")}.svg?branch=${encodeURIComponent(branch)}`;
}

export function StatusBadgeSnippet({ repository, branch, consoleUrl }: { repository: string; branch: string; /** SLIPWAY_URL */ consoleUrl: string }) {
  const base = consoleUrl.replace(/\/+$/, "");
  const builds = `${base}/builds?${new URLSearchParams({ repository, branch }).toString()}`;
  const markdown = `[![build](${base}${badgePath(repository, branch)})](${builds})`;
  return (
    <section aria-labelledby="badge-heading" className="mt-8">
      <h2 id="badge-heading" className="mb-1 text-base font-semibold text-zinc-900 dark:text-zinc-100">
        README badge
      </h2>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        The state of <code className="font-mono">{branch}</code>&rsquo;s latest build, for anyone (it shows only the state). Now:{" "}
        {/* eslint-disable-next-line @next/next/no-img-element -- a live SVG from our own API, not an asset to optimise */}
        <img src={badgePath(repository, branch)} alt={`build status of ${branch}`} height={20} className="inline-block h-5 w-auto align-middle" />
      </p>
      <CopyableText text={markdown} label="Copy the badge Markdown" />
    </section>
  );
}
