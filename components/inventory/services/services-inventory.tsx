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

// Short classes (app/globals.css): with a hundred repositories every cell's class is sent twice, in the HTML and
// in the RSC payload. svc-cell has no first:pl-4: rows under a rowspan start with a later column.
const th = "svc-head";
const td = "svc-cell";
const muted = "muted";

function Place({ t }: { t: ServiceTargetRow }) {
  if (t.context) {
    return (
      <>
        <span className={`text-xs ${muted}`}>context </span>
        <Link href={`/contexts/${t.context.id}`} className="link">
          {t.context.name}
        </Link>
      </>
    );
  }
  if (t.host) {
    return (
      <>
        <span className={`text-xs ${muted}`}>host </span>
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
    <th scope="rowgroup" rowSpan={rowSpan} className={`${td} border-r pl-4 border-zinc-100 text-left font-normal dark:border-zinc-800`}>
      <Mono className="wrap-anywhere font-medium">{b.name}</Mono>
      <div className="mt-1">{b.kind === "unikernel" ? <Badge tone="violet">Unikernel · {b.unikernelTarget}</Badge> : <Badge tone="sky">Docker image</Badge>}</div>
      <div className={`mt-1 break-words text-xs ${muted}`}>
        {b.name === b.dockerfile ? "" : `${b.dockerfile} · `}
        {b.contextDir ? `context ${b.contextDir}/ · ` : ""}
        {b.archs.join(", ")}
      </div>
    </th>
  );
}

function TargetCells({ t }: { t: ServiceTargetRow }) {
  return (
    <>
      <td className={td}>
        <Mono className="wrap-anywhere">{t.name}</Mono>
        {t.healthUrl ? <div className={`mt-0.5 wrap-anywhere text-xs ${muted}`}>{t.healthUrl}</div> : null}
      </td>
      <td className={td}>{kindWords[t.kind]}</td>
      <td className={`${td} break-words`}>
        <Place t={t} />
      </td>
      <td className={td}>
        <Mono className="wrap-anywhere">{t.service}</Mono>
        {t.composeProject ? <div className={`text-xs ${muted}`}>project {t.composeProject}</div> : null}
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
        <tbody key={b.id} className="border-t border-zinc-200 dark:border-zinc-800">
          <tr>
            <BuildCell b={b} rowSpan={1} />
            <td colSpan={6} className={`${td} ${muted}`}>
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
        <td rowSpan={dSpan} className={td}>
          <Mono className="wrap-anywhere">{d.branch}</Mono>
          {d.approvalMode === "manual" ? (
            <div className="mt-1">
              <Badge tone="amber">Needs approval</Badge>
            </div>
          ) : null}
        </td>
      );
      const image = (
        <td rowSpan={dSpan} className={`${td} border-r border-zinc-100 dark:border-zinc-800`}>
          {d.image ? (
            <>
              <Mono small className="wrap-anywhere">
                {d.image}
              </Mono>
              {b.kind === "unikernel" ? <div className={`mt-0.5 text-xs ${muted}`}>keeps the unikernel artifacts</div> : null}
              {d.registry ? <div className={`mt-0.5 text-xs ${muted}`}>pushed with {d.registry.name}</div> : null}
            </>
          ) : (
            <span className={`text-xs ${muted}`}>none</span>
          )}
        </td>
      );
      if (d.targets.length === 0) {
        trs.push(
          <tr key={d.id}>
            {di === 0 ? <BuildCell b={b} rowSpan={span} /> : null}
            {branch}
            {image}
            <td colSpan={4} className={`${td} text-xs ${muted}`}>
              no targets yet: built and pushed, deployed nowhere
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
    rows.push(
      <tbody key={b.id} className="border-t border-zinc-200 dark:border-zinc-800 [&>tr+tr]:border-t [&>tr+tr]:border-zinc-100 dark:[&>tr+tr]:border-zinc-800">
        {trs}
      </tbody>,
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full min-w-[60rem] table-fixed border-collapse text-sm">
        <caption className="sr-only">Builds, branches, images and targets of {repo.name}</caption>
        {/* the same columns in every repository's table, so the page reads as one list */}
        <colgroup>
          <col className="w-[15%]" />
          <col className="w-[14%]" />
          <col className="w-[22%]" />
          <col className="w-[17%]" />
          <col className="w-[9%]" />
          <col className="w-[11%]" />
          <col className="w-[12%]" />
        </colgroup>
        <thead className="bg-zinc-50 dark:bg-zinc-900">
          <tr>
            <th scope="col" className={th}>
              Build
            </th>
            <th scope="col" className={th}>
              Branch
            </th>
            <th scope="col" className={th}>
              Image
            </th>
            <th scope="col" className={th}>
              Target
            </th>
            <th scope="col" className={th}>
              Kind
            </th>
            <th scope="col" className={th}>
              On
            </th>
            <th scope="col" className={th}>
              Service
            </th>
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
