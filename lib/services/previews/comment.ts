// The pull request's one comment about its preview: posted the first time, edited on every later change (a new
// commit, running, failed, waiting, torn down). The job (preview_comment) runs in the preview's own comment
// queue, so two changes never post two comments; a comment someone deleted is posted again; before posting, the
// pull request's comments are searched for one this app posted for the preview (a job that died between GitHub's
// answer and saving the id), which is edited instead.
import { getDb } from "@/lib/db";
import type { Logger } from "@/lib/log";
import { env } from "@/lib/env";
import { installationOctokit } from "@/lib/github/app-client";
import { createPullRequestComment, findPullRequestComment, updatePullRequestComment } from "@/lib/github/comments";
import { previewStateLabels } from "@/lib/validation/previews";

type PreviewForComment = NonNullable<Awaited<ReturnType<typeof loadForComment>>>;

function loadForComment(previewId: string) {
  return getDb().preview.findUnique({
    where: { id: previewId },
    include: { deploymentRule: { select: { branch: true, previewTtlHours: true, buildRule: { select: { repositoryId: true, repository: { select: { appId: true } } } } } }, approvedBy: { select: { login: true } } },
  });
}

/** The hidden first line of the preview's comment: how Slipway finds it again among the pull request's comments. */
export const commentMarker = (previewId: string) => `<!-- slipway:preview:${previewId} -->`;

/** The comment's text (Markdown), from the preview's row as it is now. */
export function previewCommentBody(p: PreviewForComment, slipwayUrl: string | null): string {
  const state = previewStateLabels[p.state];
  const lines = [commentMarker(p.id), `**Preview** of \`${p.headSha.slice(0, 7)}\` (into \`${p.deploymentRule.branch}\`): **${state}**`, ""];
  if (p.state === "running" && p.url) lines.push(`${p.url}`, "");
  else if (p.url && p.state !== "torn_down") lines.push(`Will be at ${p.url}`, "");
  if (p.reason) lines.push(`> ${p.reason.replace(/\s+/g, " ")}`, "");
  const facts = [
    `Service \`${p.service}\``,
    `image \`${p.imageRepo}:${p.tag}@${p.digest}\``,
    ...(p.fork ? [p.approvedBy ? `approved by @${p.approvedBy.login} (a fork's pull request: no secrets)` : "a fork's pull request: no secrets, runs after an operator's approval"] : []),
    ...(p.state === "running" && p.expiresAt ? [`torn down after ${p.deploymentRule.previewTtlHours} h without a new push (${p.expiresAt.toISOString().replace(/\.\d+Z$/, "Z")})`] : []),
  ];
  lines.push(facts.join(" · "));
  if (slipwayUrl) lines.push("", `[Previews in Slipway](${slipwayUrl.replace(/\/+$/, "")}/previews)`);
  return lines.join("\n");
}

/** Brings the pull request's comment up to date; what it did, in words. */
export async function syncPreviewComment(previewId: string, log: Logger, signal?: AbortSignal): Promise<string> {
  const p = await loadForComment(previewId);
  if (!p) return "the preview is gone";
  const repo = p.deploymentRule.buildRule;
  if (!repo.repository.appId || env().SLIPWAY_LOCAL) return "the repository has no GitHub app: nothing to comment on";
  const client = await installationOctokit(repo.repositoryId, signal);
  if (!client) return "the repository has no GitHub app: nothing to comment on";
  const body = previewCommentBody(p, env().SLIPWAY_URL ?? null);
  if (p.commentId !== null) {
    const r = await updatePullRequestComment(client, { commentId: Number(p.commentId), body, signal });
    if (r === "updated") return `comment ${p.commentId} edited`;
    log.info({ previewId, commentId: String(p.commentId) }, "the preview's comment was deleted on GitHub; posting it again");
  }
  // a job that died after GitHub took its comment but before its id was saved posted it already: edit that one
  const earlier = await findPullRequestComment(client, { prNumber: p.prNumber, marker: commentMarker(p.id), signal });
  if (earlier !== null && earlier !== Number(p.commentId) && (await updatePullRequestComment(client, { commentId: earlier, body, signal })) === "updated") {
    await getDb().preview.update({ where: { id: p.id }, data: { commentId: BigInt(earlier) } });
    return `comment ${earlier} (posted before its id was saved) found and edited`;
  }
  const id = await createPullRequestComment(client, { prNumber: p.prNumber, body, signal });
  await getDb().preview.update({ where: { id: p.id }, data: { commentId: BigInt(id) } });
  return `comment ${id} posted`;
}
