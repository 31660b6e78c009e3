// Pull request previews: those up or on their way first, then those torn down in the last week, with Tear down
// (and Approve for a fork's) for operators.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listPreviews } from "@/lib/queries/previews";
import { PageHeader } from "@/components/ui/page-header";
import { PreviewList } from "@/components/previews/preview-list";
import { approvePreviewAction, tearDownPreviewAction } from "./actions";

export const metadata: Metadata = { title: "Previews" };

export default async function PreviewsPage() {
  const user = await requirePageUser("console.view", "/previews");
  const rows = await listPreviews();
  const canManage = can(user, "preview.manage");
  return (
    <>
      <PageHeader
        title="Previews"
        description="Each open pull request into a branch whose deployment rule has previews runs as its own swarm service, torn down when the pull request is closed or merged, or after the rule's time to live. A fork's pull request gets no secrets and waits for an operator's approval."
      />
      <PreviewList rows={rows} now={new Date()} canManage={canManage} tearDown={tearDownPreviewAction} approve={approvePreviewAction} />
    </>
  );
}
