// Every target with what it runs: the current release, how its last deployment ended and when it last
// deployed, whether it is pinned and whether the service drifted from its last release. For the Targets
// page and the dashboard; the name links to the target's page, the state to its last deployment.
import Link from "next/link";
import type { TargetSummaryRow } from "@/lib/queries/deployment-detail";
import { DeploymentStateBadge, deploymentStates } from "@/components/status/state-badges";
import { Badge } from "@/components/ui/badge";
import { Table, THead, TBody, Th, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { shortDigest, shortSha } from "@/components/format/ids";
import { targetKindWords } from "@/components/deployments/words";

export function TargetTable({ targets, now, caption = "Targets" }: { targets: TargetSummaryRow[]; now: Date; caption?: string }) {
  return (
    <Table caption={caption}>
      <THead>
        <tr>
          <Th>Target</Th>
          <Th>Current release</Th>
          <Th>Last deployment</Th>
          <Th>Last deployed</Th>
        </tr>
      </THead>
      <TBody>
        {targets.map((t) => (
          <tr key={t.id}>
            <Td className="whitespace-nowrap">
              <Link href={`/targets/${t.id}`} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                {t.name}
              </Link>
              <Sub>
                {t.repository} <Mono small>{t.branch}</Mono>
              </Sub>
              <Sub>
                {targetKindWords[t.kind] ?? t.kind} <Mono small>{t.service}</Mono>
              </Sub>
            </Td>
            <Td className="w-full">
              {t.currentRelease ? (
                <>
                  <Mono title={t.currentRelease.commitSha}>{shortSha(t.currentRelease.commitSha)}</Mono>
                  {t.currentRelease.digest ? (
                    <Sub>
                      <Mono small title={t.currentRelease.digest}>
                        {shortDigest(t.currentRelease.digest)}
                      </Mono>
                    </Sub>
                  ) : null}
                </>
              ) : (
                <span className="text-zinc-500 dark:text-zinc-400">nothing deployed by Slipway yet</span>
              )}
              <div className="mt-1 flex flex-wrap gap-1.5 empty:hidden">
                {t.pinnedBy ? (
                  <Badge tone="amber" title={`Pinned by ${t.pinnedBy}: new releases of ${t.branch} build but do not deploy here until someone unpins it`}>
                    Pinned{t.pinnedSha ? ` at ${shortSha(t.pinnedSha)}` : ""} by {t.pinnedBy}
                  </Badge>
                ) : null}
                {t.heldBackSha ? (
                  <Badge tone="amber" title={`The newest release of ${t.branch} (${shortSha(t.heldBackSha)}) does not deploy here while the pin holds`}>
                    Newer release {shortSha(t.heldBackSha)} waiting
                  </Badge>
                ) : null}
                {t.drift ? (
                  <Badge tone="rose" title={t.liveImage ? `The service runs ${t.liveImage}` : "The service runs another image than its last release"}>
                    Drifted
                  </Badge>
                ) : null}
              </div>
            </Td>
            <Td className="whitespace-nowrap">
              {t.lastState && t.lastDeploymentId ? (
                <Link href={`/deployments/${t.lastDeploymentId}`} className="inline-block rounded-full" aria-label={`Last deployment to ${t.name}: ${deploymentStates[t.lastState].label}`}>
                  <DeploymentStateBadge state={t.lastState} />
                </Link>
              ) : (
                <span className="text-zinc-500 dark:text-zinc-400">none yet</span>
              )}
            </Td>
            <Td className="whitespace-nowrap">{t.lastDeployedAt ? <Timestamp date={t.lastDeployedAt} now={now} relative /> : <span className="text-zinc-500 dark:text-zinc-400">never</span>}</Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
