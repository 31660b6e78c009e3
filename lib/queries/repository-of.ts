// Which repository an object belongs to: what a repository-limited API token is checked against, in one place
// (lib/api/route.ts asks before any handler runs). null when there is no such object.
import "server-only";
import { getDb } from "@/lib/db";

import type { ScopedSubject } from "@/lib/api/scoped-subjects";

export async function repositoryIdOf(kind: ScopedSubject, id: string): Promise<string | null> {
  const db = getDb();
  switch (kind) {
    case "repository":
      return (await db.repository.findUnique({ where: { id }, select: { id: true } }))?.id ?? null;
    case "buildRule":
      return (await db.buildRule.findUnique({ where: { id }, select: { repositoryId: true } }))?.repositoryId ?? null;
    case "build":
      return (await db.build.findUnique({ where: { id }, select: { buildRule: { select: { repositoryId: true } } } }))?.buildRule.repositoryId ?? null;
    case "release":
      return (await db.release.findUnique({ where: { id }, select: { deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } } } }))?.deploymentRule.buildRule.repositoryId ?? null;
    case "deploymentRule":
      return (await db.deploymentRule.findUnique({ where: { id }, select: { buildRule: { select: { repositoryId: true } } } }))?.buildRule.repositoryId ?? null;
    case "target":
      return (await db.target.findUnique({ where: { id }, select: { deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } } } }))?.deploymentRule.buildRule.repositoryId ?? null;
    case "preview":
      return (await db.preview.findUnique({ where: { id }, select: { deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } } } }))?.deploymentRule.buildRule.repositoryId ?? null;
    case "deployment":
      return (
        (await db.deployment.findUnique({ where: { id }, select: { target: { select: { deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } } } } } }))?.target
          .deploymentRule.buildRule.repositoryId ?? null
      );
  }
}
