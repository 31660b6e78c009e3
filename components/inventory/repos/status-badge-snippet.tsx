// The README badge of a repository's default branch: how it looks now, the Markdown to paste, and whether
// anyone may see it (a private GitHub repository's badge is off unless an admin turns it on).
import type { ReactNode } from "react";
import { CopyableText } from "@/components/ui/forms/copy-button";
import { Notice } from "@/components/ui/notice";

/**
 * /api/badges/<owner>/<name>.svg?branch=<branch>&app=<app>, each path segment encoded. The app is always named
 * when the entry has one: the same repository may be listed under several apps, each with its own builds.
 */
export function badgePath(repository: string, branch: string, app: string | null = null): string {
  const query = new URLSearchParams({ branch, ...(app ? { app } : {}) });
  return `/api/badges/${repository.split("/").map(encodeURIComponent).join("/")}.svg?${query.toString()}`;
}

/** What Slipway knows of the repository's visibility, and whether its badge answers. */
export interface BadgeVisibility {
  /** GitHub's private flag; null when not known yet (or not a GitHub repository) */
  isPrivate: boolean | null;
  github: boolean;
  /** the badge answers with the real state */
  shown: boolean;
  /** an admin turned it on although the repository is (or may be) private */
  privateBadge: boolean;
}

function visibilityWords(v: BadgeVisibility): string {
  if (!v.github) return "This is a plain git repository, so Slipway cannot tell whether it is private; its badge is public.";
  if (v.isPrivate === false) return "GitHub says this repository is public, so its badge is public.";
  const why = v.isPrivate ? "GitHub says this repository is private" : "Slipway has not yet learned from GitHub whether this repository is private (the next webhook says)";
  return v.privateBadge
    ? `${why}; an admin showed its badge anyway, so anyone who knows its name can see the state of its branches.`
    : `${why}, so its badge answers “unknown” to everyone, as for a repository that does not exist. An admin can show it anyway.`;
}

export function StatusBadgeSnippet({
  repository,
  app = null,
  branch,
  consoleUrl,
  visibility,
  toggle,
}: {
  repository: string;
  /** the app of this entry of the repository */
  app?: string | null;
  branch: string;
  /** SLIPWAY_URL */ consoleUrl: string;
  visibility: BadgeVisibility;
  /** the admin's show/hide form, for a private (or not yet known) GitHub repository */
  toggle?: ReactNode;
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
        {/* eslint-disable-next-line @next/next/no-img-element -- a live SVG from our own API, not an asset to optimise;
            &shown= (ignored by the API) makes the browser fetch it again when an admin shows or hides it */}
        <img src={`${badgePath(repository, branch, app)}&shown=${visibility.shown ? "1" : "0"}`} alt={`build status of ${branch}`} height={20} className="inline-block h-5 w-auto align-middle" />
      </p>
      <Notice tone={visibility.shown ? "info" : "warning"} className="mb-3">
        {visibilityWords(visibility)}
        {toggle}
      </Notice>
      <CopyableText text={markdown} label="Copy the badge Markdown" />
    </section>
  );
}
