// The README badge of a repository's default branch: how it looks now, and the Markdown to paste.
import { CopyableText } from "@/components/ui/forms/copy-button";

/**
 * /api/badges/<owner>/<name>.svg?branch=<branch>&app=<app>, each path segment encoded. The app is always named
 * when the entry has one: the same repository may be listed under several apps, each with its own builds.
 */
export function badgePath(repository: string, branch: string, app: string | null = null): string {
  const query = new URLSearchParams({ branch, ...(app ? { app } : {}) });
  return `/api/badges/${repository.split("/").map(encodeURIComponent).join("/")}.svg?${query.toString()}`;
}

export function StatusBadgeSnippet({
  repository,
  app = null,
  branch,
  consoleUrl,
}: {
  repository: string;
  /** the app of this entry of the repository */
  app?: string | null;
  branch: string;
  /** SLIPWAY_URL */
  consoleUrl: string;
}) {
  const base = consoleUrl.replace(/\/+$/, "");
  const builds = `${base}/builds?${new URLSearchParams({ repository, branch }).toString()}`;
  const markdown = `[![build](${base}${badgePath(repository, branch, app)})](${builds})`;
  return (
    <section aria-labelledby="badge-heading" className="mt-8">
      <h2 id="badge-heading" className="mb-1 text-base font-semibold text-zinc-900 dark:text-zinc-100">
        README badge
      </h2>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        The state of <code className="font-mono">{branch}</code>&rsquo;s latest build, for anyone (it shows only the state). Now:{" "}
        {/* eslint-disable-next-line @next/next/no-img-element -- a live SVG from our own API, not an asset to optimise */}
        <img src={badgePath(repository, branch, app)} alt={`build status of ${branch}`} height={20} className="inline-block h-5 w-auto align-middle" />
      </p>
      <CopyableText text={markdown} label="Copy the badge Markdown" />
    </section>
  );
}
