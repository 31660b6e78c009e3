// Every deployment of one release, newest first: to which target, how it ended and why, what asked for it,
// when. Each links to its deployment page and its target.
import Link from "next/link";
import type { ReleaseDeploymentRow } from "@/lib/queries/release-detail";
import { DeploymentStateBadge, deploymentStates } from "@/components/status/state-badges";
import { Table, THead, TBody, Th, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { deploymentTriggerWords, targetKindWords } from "@/components/deployments/words";

export function ReleaseDeployments({ rows, now }: { rows: ReleaseDeploymentRow[]; now: Date }) {
  return (
    <Table caption="Deployments of this release, newest first">
      <THead>
        <tr>
          <Th>Target</Th>
          <Th>State</Th>
          <Th>Requested</Th>
          <Th>Finished</Th>
        </tr>
      </THead>
      <TBody>
        {rows.map((d) => {
          const ended = d.reason && (d.state === "failed" || d.state === "rolled_back" || d.state === "cancelled" || d.state === "superseded");
          return (
            <tr key={d.id}>
              <Td className="min-w-40 [overflow-wrap:anywhere]">
                <Link href={`/targets/${d.target.id}`} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                  {d.target.name}
                </Link>
                <Sub>
                  {targetKindWords[d.target.kind] ?? d.target.kind} <Mono small>{d.target.service}</Mono>
                </Sub>
              </Td>
              <Td className="w-full">
                <Link href={`/deployments/${d.id}`} className="inline-block rounded-full" aria-label={`${deploymentStates[d.state].label}: the deployment to ${d.target.name}`}>
                  <DeploymentStateBadge state={d.state} />
                </Link>
                {ended ? (
                  <Sub className="line-clamp-2 max-w-xl [overflow-wrap:anywhere]">
                    <span title={d.reason!}>{d.reason}</span>
                  </Sub>
                ) : null}
              </Td>
              <Td className="whitespace-nowrap">
                {deploymentTriggerWords[d.trigger] ?? d.trigger}
                {d.requestedBy ? ` by ${d.requestedBy}` : ""}
                <Sub>
                  <Timestamp date={d.createdAt} now={now} relative />
                </Sub>
              </Td>
              <Td className="whitespace-nowrap">{d.finishedAt ? <Timestamp date={d.finishedAt} now={now} relative /> : <span className="text-zinc-500 dark:text-zinc-400">not yet</span>}</Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
