// The dashboard's counters. Builds "today" count from midnight UTC, as every time in the console is UTC.
import "server-only";
import { ACTIVE_BUILD_STATES } from "@/lib/validation/build-states";
import { getDb } from "@/lib/db";

export interface DashboardCounts {
  repositories: number;
  targets: number;
  buildsToday: number;
  /** builds queued or running (fetching, building, pushing) */
  buildsActive: number;
  deploymentsPendingApproval: number;
  /** deployments queued or running (deploying, verifying) */
  deploymentsActive: number;
}

export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export async function dashboardCounts(now: Date = new Date()): Promise<DashboardCounts> {
  const db = getDb();
  const [repositories, targets, buildsToday, buildsActive, deploymentsPendingApproval, deploymentsActive] = await Promise.all([
    db.repository.count({ where: { archivedAt: null } }),
    db.target.count({ where: { archivedAt: null } }),
    db.build.count({ where: { queuedAt: { gte: startOfUtcDay(now) } } }),
    db.build.count({ where: { state: { in: [...ACTIVE_BUILD_STATES] } } }),
    db.deployment.count({ where: { state: "pending_approval" } }),
    db.deployment.count({ where: { state: { in: ["queued", "deploying", "verifying"] } } }),
  ]);
  return { repositories, targets, buildsToday, buildsActive, deploymentsPendingApproval, deploymentsActive };
}
