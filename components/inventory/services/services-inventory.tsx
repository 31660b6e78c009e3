// The services inventory: by app, then repository; in each repository's table one row per target, grouped by
// build rule, branch and image. Builds that deploy nowhere say so ("built, not deployed").
import Link from "next/link";
import type { ReactNode } from "react";
import type { ServiceBuildRow, ServiceRepoRow, ServicesInventory, ServiceTargetRow } from "@/lib/queries/services-inventory";
import { Badge } from "@/components/ui/badge";
import { targetKindLabels } from "@/components/inventory/repos/words";
import { TargetRun } from "@/components/inventory/repos/target-run";
import { Mono } from "@/components/ui/table";

const kindWords: Record<ServiceTargetRow["kind"], string> = targetKindLabels;

// Each repository's table is styled by one class on the table (.svc in app/globals.css): its cells, code and
// small print take their look from the element, so a page of many repositories does not send the same class
// strings for every cell, once in the HTML and again in the RSC payload. <p> in a cell is a muted second line,
// <small> a muted word before a value, td.edge the rule between the image and its targets.
const muted = "muted";

function Place({ t }: { t: ServiceTargetRow }) {
  if (t.context) {
    return (
      <>
        <small>context </small>
        <Link href={`/contexts/${t.context.id}`} className="link">
          {t.context.name}
        </Link>
      </>
    );
  }
  if (t.host) {
    return (
      <>
        <small>host </small>
        <Link href={`/hosts/${t.host.id}`} className="link">
          {t.host.name}
        </Link>
      </>
    );
  }
  return <span className={muted}>nowhere</span>;
}

function BuildCell({ b, rowSpan }: { b: ServiceBuildRow; rowSpan: number }) {
  return (
    <th scope="rowgroup" rowSpan={rowSpan}>
      <code className="font-medium">{b.name}</code>
      <div className="mt-1">{b.kind === "unikernel" ? <Badge tone="violet">Unikernel · {b.unikernelTarget}</Badge> : <Badge tone="sky">Docker image</Badge>}</div>
      <p className="mt-1">
        {b.name === b.dockerfile ? "" : `${b.dockerfile} · `}
        {b.contextDir ? `context ${b.contextDir}/ · ` : ""}
        {b.archs.join(", ")}
      </p>
    </th>
  );
}

function TargetCells({ t }: { t: ServiceTargetRow }) {
  return (
    <>
      <td>
        <code>{t.name}</code>
        {t.healthUrl ? <p>{t.healthUrl}</p> : null}
      </td>
      <td>{kindWords[t.kind]}</td>
      <td>
        <Place t={t} />
      </td>
      <td>
        <code>{t.service}</code>
        {t.composeProject ? <p>project {t.composeProject}</p> : null}
        <TargetRun target={t} />
      </td>
    </>
  );
}

function RepoTable({ repo }: { repo: ServiceRepoRow }) {
  const rows: ReactNode[] = [];
  for (const b of repo.builds) {
    const span = b.deploys.reduce((n, d) => n + Math.max(1, d.targets.length), 0) || 1;
    if (b.deploys.length === 0) {
      rows.push(
        <tbody key={b.id}>
          <tr>
            <BuildCell b={b} rowSpan={1} />
            <td colSpan={6} className={muted}>
              <Badge tone="outline">Built, not deployed</Badge>
              <span className="ml-2 text-xs">every branch and pull request is built; no branch deploys it</span>
            </td>
          </tr>
        </tbody>,
      );
      continue;
    }
    const trs: ReactNode[] = [];
    b.deploys.forEach((d, di) => {
      const dSpan = Math.max(1, d.targets.length);
      const branch = (
        <td rowSpan={dSpan}>
          <code>{d.branch}</code>
          {d.approvalMode === "manual" ? (
            <div className="mt-1">
              <Badge tone="amber">Needs approval</Badge>
            </div>
          ) : null}
        </td>
      );
      const image = (
        <td rowSpan={dSpan} className="edge">
          {d.image ? (
            <>
              <code className="text-xs">{d.image}</code>
              {b.kind === "unikernel" ? <p>keeps the unikernel artifacts</p> : null}
              {d.registry ? <p>pushed with {d.registry.name}</p> : null}
            </>
          ) : (
            <small>none</small>
          )}
        </td>
      );
      if (d.targets.length === 0) {
        trs.push(
          <tr key={d.id}>
            {di === 0 ? <BuildCell b={b} rowSpan={span} /> : null}
            {branch}
            {image}
            <td colSpan={4}>
              <small>no targets yet: built and pushed, deployed nowhere</small>
            </td>
          </tr>,
        );
        return;
      }
      d.targets.forEach((t, ti) => {
        trs.push(
          <tr key={t.id}>
            {di === 0 && ti === 0 ? <BuildCell b={b} rowSpan={span} /> : null}
            {ti === 0 ? branch : null}
            {ti === 0 ? image : null}
            <TargetCells t={t} />
          </tr>,
        );
      });
    });
    rows.push(<tbody key={b.id}>{trs}</tbody>);
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      {/* the same column widths in every repository's table (.svc thead th), so the page reads as one list */}
      <table className="svc">
        <caption className="sr-only">Builds, branches, images and targets of {repo.name}</caption>
        <thead>
          <tr>
            <th scope="col">Build</th>
            <th scope="col">Branch</th>
            <th scope="col">Image</th>
            <th scope="col">Target</th>
            <th scope="col">Kind</th>
            <th scope="col">On</th>
            <th scope="col">Service</th>
          </tr>
        </thead>
        {rows}
      </table>
    </div>
  );
}

export function ServicesInventoryView({ inventory }: { inventory: ServicesInventory }) {
  return (
    <div className="space-y-10">
      {inventory.groups.map((g) => {
        const gid = `app-${g.app ?? "none"}`;
        return (
          <section key={gid} aria-labelledby={gid}>
            <h2 id={gid} className="mb-4 text-lg font-semibold text-zinc-900 dark:text-zinc-100">
              {g.app ? (
                <>
                  <span className={`mr-2 text-sm font-medium ${muted}`}>App</span>
                  {g.app}
                </>
              ) : (
                "Polled git repositories"
              )}
            </h2>
            <div className="space-y-6">
              {g.repos.map((r) => (
                <article key={r.id} aria-labelledby={`repo-${r.id}`}>
                  <div className="mb-2 flex flex-wrap items-baseline gap-x-3 gap-y-1">
                    <h3 id={`repo-${r.id}`} className="text-base font-semibold">
                      <Link href={`/repositories/${r.id}`} className="link">
                        {r.name}
                      </Link>
                    </h3>
                    {r.webUrl ? (
                      <a href={r.webUrl} className={`text-xs ${muted} hover:underline`} rel="noreferrer" target="_blank">
                        on GitHub<span className="sr-only"> (opens in a new tab)</span> ↗
                      </a>
                    ) : (
                      <span className={`text-xs ${muted}`}>
                        polled from <Mono small>{r.url}</Mono>
                      </span>
                    )}
                    {!r.enabled ? <Badge tone="zinc">Disabled</Badge> : null}
                  </div>
                  {r.builds.length ? (
                    <RepoTable repo={r} />
                  ) : (
                    <p className={`rounded-lg border border-dashed border-zinc-300 px-4 py-3 text-sm dark:border-zinc-700 ${muted}`}>
                      No build rules yet: nothing is built.
                    </p>
                  )}
                </article>
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}
