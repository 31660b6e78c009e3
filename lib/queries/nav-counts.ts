// The numbers the console's sidebar shows next to its links, read on every page: one count each.
import "server-only";
import { getDb } from "@/lib/db";

export interface NavCounts {
  /** deployments waiting for approval (the Approvals inbox) */
  pendingApprovals: number;
}

export async function navCounts(): Promise<NavCounts> {
  // served by the deployments (state, created_at) index
  const pendingApprovals = await getDb().deployment.count({ where: { state: "pending_approval" } });
  return { pendingApprovals };
}
