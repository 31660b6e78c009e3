// The repository page's body: its settings, then each build rule as a card, with its deployment rules and
// under each rule the targets it upgrades. Admins get edit, delete and add controls; everyone else reads.
import Link from "next/link";
import type { ReactNode } from "react";
import type { InventoryChoices, RepoBuildRuleRow, RepoDeployRuleRow, RepoTargetRow, RepositoryDetail } from "@/lib/queries/inventory-repos";
import { Badge } from "@/components/ui/badge";
import { Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import type { FormAction } from "@/components/ui/forms/result-state";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { EditableRow, EditableSection } from "@/components/ui/forms/editable";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { RepositoryForm } from "@/components/inventory/repos/repository-form";
import { BuildRuleForm } from "@/components/inventory/repos/build-rule-form";
import { DeploymentRuleForm } from "@/components/inventory/repos/deployment-rule-form";
import { TargetForm } from "@/components/inventory/repos/target-form";
import { TargetRun } from "@/components/inventory/repos/target-run";
import { approvalText, confirmLabels, durationText, targetKindLabels } from "@/components/inventory/repos/words";
import { monitorWords } from "@/lib/validation/monitor-window";

export interface RepoActions {
  saveRepository: FormAction;
  deleteRepository: FormAction;
  saveBuildRule: FormAction;
  saveDeploymentRule: FormAction;
  saveTarget: FormAction;
  deleteEntity: FormAction;
}

interface Ctx {
  canEdit: boolean;
  choices: InventoryChoices;
  actions: RepoActions;
}

const none = <span className="text-zinc-400 dark:text-zinc-500">none</span>;

/** Label/value pairs in a grid. */
function Facts({ items, className = "" }: { items: [string, ReactNode][]; className?: string }) {
  return (
    <dl className={`grid grid-cols-2 gap-x-6 gap-y-3 text-sm md:grid-cols-4 ${className}`}>
      {items.map(([label, value]) => (
        <div key={label} className="min-w-0">
          <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
          <dd className="mt-0.5 break-words text-zinc-800 dark:text-zinc-200">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function MonoList({ items }: { items: string[] }) {
  if (items.length === 0) return none;
  return (
    <ul className="space-y-0.5">
      {items.map((a) => (
        <li key={a}>
          <Mono small>{a}</Mono>
        </li>
      ))}
    </ul>
  );
}

/** "Delete" (small, named for what goes), asking first with what goes with it. */
function DeleteEntity({ kind, id, what, consequence, action }: { kind: "repo" | "build" | "deploy" | "target"; id: string; what: string; consequence?: string; action: FormAction }) {
  return (
    <DeleteButton action={action} kind={kind} id={id} what={what} ariaLabel={`Delete ${what}`} small>
      <p>
        {consequence ? `${consequence} ` : ""}If it has history (builds, releases or deployments), it is archived instead: it leaves the inventory and never builds or deploys again, and its history stays readable. The change is recorded in the audit log.
      </p>
    </DeleteButton>
  );
}

// ─── settings ───────────────────────────────────────────────────────────────────────────────────

export function RepositorySettings({ repo, now, ...ctx }: Ctx & { repo: RepositoryDetail; now: Date }) {
  return (
    <section aria-labelledby="settings-heading" className="mb-8 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <EditableSection
        canEdit={ctx.canEdit}
        editLabel={`Edit repository ${repo.name}`}
        heading={
          <h2 id="settings-heading" className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
            Settings
          </h2>
        }
        deleteControl={
          <DeleteEntity
            kind="repo"
            id={repo.id}
            what={`repository ${repo.name}`}
            consequence={`Its ${repo.buildRules.length === 1 ? "build rule goes" : `${repo.buildRules.length} build rules go`} too, with their deployment rules and targets.`}
            action={ctx.actions.deleteRepository}
          />
        }
        form={
          <RepositoryForm
            action={ctx.actions.saveRepository}
            apps={ctx.choices.apps}
            repo={{
              id: repo.id,
              name: repo.name,
              app: repo.app?.name ?? null,
              url: repo.url,
              defaultBranch: repo.defaultBranch,
              pollIntervalSeconds: repo.pollIntervalSeconds,
              enabled: repo.enabled,
            }}
          />
        }
        view={
          <Facts
            className="mt-3"
            items={[
              ["Source", repo.app ? `GitHub, app ${repo.app.name}` : "Git URL, polled"],
              ["Clone URL", <Mono key="u">{repo.url}</Mono>],
              ["Default branch", <Mono key="b">{repo.defaultBranch}</Mono>],
              [
                "Changes seen by",
                repo.provider === "github" ? (
                  "GitHub webhooks"
                ) : (
                  <span key="p">
                    polling every {durationText(repo.pollIntervalSeconds)}
                    <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                      {repo.lastPolledAt ? (
                        <>
                          last poll <Timestamp date={repo.lastPolledAt} now={now} relative />
                        </>
                      ) : (
                        "not polled yet"
                      )}
                    </span>
                  </span>
                ),
              ],
            ]}
          />
        }
      />
    </section>
  );
}

// ─── build rules ────────────────────────────────────────────────────────────────────────────────

export function BuildRuleList({ repo, ...ctx }: Ctx & { repo: RepositoryDetail }) {
  return (
    <section aria-labelledby="builds-heading">
      <div className="mb-3 flex items-baseline justify-between gap-4">
        <h2 id="builds-heading" className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
          Build rules
        </h2>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">Every branch and pull request is built by each rule; deployment rules pick the branches that deploy.</p>
      </div>
      {repo.buildRules.length === 0 ? (
        <div className="mb-4 rounded-lg border border-dashed border-zinc-300 bg-white px-6 py-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:bg-zinc-900/40 dark:text-zinc-400">
          <p className="font-semibold text-zinc-900 dark:text-zinc-100">No build rules yet</p>
          <p className="mt-1">
            Nothing is built for this repository. {ctx.canEdit ? "Add a build rule: a Dockerfile to build an image, or a unikernel target." : "Ask an admin to add a build rule."}
          </p>
        </div>
      ) : (
        <div className="space-y-6">
          {repo.buildRules.map((b) => (
            <BuildRuleCard key={b.id} rule={b} repoName={repo.name} {...ctx} />
          ))}
        </div>
      )}
      {ctx.canEdit ? (
        <Disclosure label="Add build rule" title="New build rule" icon="plus" className="mt-4" level={3}>
          <BuildRuleForm action={ctx.actions.saveBuildRule} repositoryId={repo.id} />
        </Disclosure>
      ) : null}
    </section>
  );
}

function buildBadge(b: RepoBuildRuleRow) {
  return b.kind === "unikernel" ? <Badge tone="violet">Unikernel · {b.unikernelTarget}</Badge> : <Badge tone="sky">Docker image</Badge>;
}

function BuildRuleCard({ rule, repoName, ...ctx }: Ctx & { rule: RepoBuildRuleRow; repoName: string }) {
  const headingId = `build-${rule.id}`;
  return (
    <article aria-labelledby={headingId} className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="p-4">
        <EditableSection
          canEdit={ctx.canEdit}
          editLabel={`Edit build rule ${rule.name}`}
          heading={
            <div className="flex flex-wrap items-center gap-2">
              <h3 id={headingId} className="font-mono text-[0.9375rem] font-semibold text-zinc-900 dark:text-zinc-100">
                {rule.name}
              </h3>
              {buildBadge(rule)}
              {rule.deploymentRules.length === 0 ? <Badge tone="outline">Built, not deployed</Badge> : null}
              <span className="text-xs text-zinc-500 dark:text-zinc-400">
                {rule.builds.toLocaleString("en-US")}
                {rule.buildsMore ? "+" : ""} {rule.builds === 1 && !rule.buildsMore ? "build" : "builds"} so far
              </span>
            </div>
          }
          deleteControl={
            <DeleteEntity
              kind="build"
              id={rule.id}
              what={`build rule ${rule.name}`}
              consequence={
                rule.deploymentRules.length
                  ? `Its ${rule.deploymentRules.length === 1 ? "deployment rule goes" : `${rule.deploymentRules.length} deployment rules go`} too, with their targets.`
                  : undefined
              }
              action={ctx.actions.deleteEntity}
            />
          }
          form={<BuildRuleForm action={ctx.actions.saveBuildRule} rule={rule} />}
          view={
            <Facts
              className="mt-3"
              items={[
                ["Dockerfile", <Mono key="d">{rule.dockerfile}</Mono>],
                ["Build context", rule.contextDir ? <Mono key="c">{rule.contextDir}</Mono> : "repository root"],
                ["Architectures", <Mono key="a">{rule.archs.join(", ")}</Mono>],
                ["Time limit", durationText(rule.timeoutSeconds)],
                ["Build arguments", <MonoList key="ba" items={rule.buildArgs} />],
                ["Build secrets", <MonoList key="bs" items={rule.buildSecrets} />],
                ["Includes .git", rule.includeGit ? "yes" : "no"],
                ...(rule.kind === "unikernel"
                  ? ([
                      ["Unikernel target", <Mono key="t">{rule.unikernelTarget}</Mono>],
                      ["Largest artifact", `${rule.maxArtifactMib} MiB`],
                    ] as [string, ReactNode][])
                  : []),
              ]}
            />
          }
        />
      </div>
      <div className="border-t border-zinc-200 bg-zinc-50/70 px-4 py-4 dark:border-zinc-800 dark:bg-zinc-950/30">
        <p className="mb-3 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Deployment rules</p>
        {rule.deploymentRules.length === 0 ? (
          <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
            Built, not deployed: every branch and pull request of {repoName} is built with this rule, and nothing is deployed.
          </p>
        ) : (
          <div className="mb-3 space-y-4">
            {rule.deploymentRules.map((d) => (
              <DeploymentRuleBlock key={d.id} rule={d} build={rule} {...ctx} />
            ))}
          </div>
        )}
        {ctx.canEdit ? (
          <Disclosure label="Add deployment rule" title={`New deployment rule for ${rule.name}`} icon="plus" level={4}>
            <DeploymentRuleForm action={ctx.actions.saveDeploymentRule} buildRuleId={rule.id} buildKind={rule.kind} registries={ctx.choices.registries} contexts={ctx.choices.contexts} />
          </Disclosure>
        ) : null}
      </div>
    </article>
  );
}

// ─── deployment rules ───────────────────────────────────────────────────────────────────────────

function DeploymentRuleBlock({ rule, build, ...ctx }: Ctx & { rule: RepoDeployRuleRow; build: RepoBuildRuleRow }) {
  const headingId = `deploy-${rule.id}`;
  return (
    <section aria-labelledby={headingId} className="rounded-md border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <EditableSection
        canEdit={ctx.canEdit}
        editLabel={`Edit deployment rule for branch ${rule.branch} of ${build.name}`}
        heading={
          <div className="flex flex-wrap items-center gap-2">
            <h4 id={headingId} className="text-sm font-semibold text-zinc-900 dark:text-zinc-100">
              Branch <Mono>{rule.branch}</Mono>
            </h4>
            {rule.approvalMode === "manual" ? <Badge tone="amber">Needs approval</Badge> : <Badge tone="emerald">Deploys automatically</Badge>}
            {rule.releases ? (
              <span className="text-xs text-zinc-500 dark:text-zinc-400">
                {rule.releases.toLocaleString("en-US")}
                {rule.releasesMore ? "+" : ""} {rule.releases === 1 && !rule.releasesMore ? "release" : "releases"}
              </span>
            ) : null}
          </div>
        }
        deleteControl={
          <DeleteEntity
            kind="deploy"
            id={rule.id}
            what={`deployment rule for branch ${rule.branch} of ${build.name}`}
            consequence={rule.targets.length ? `Its ${rule.targets.length === 1 ? "target goes" : `${rule.targets.length} targets go`} too.` : undefined}
            action={ctx.actions.deleteEntity}
          />
        }
        form={<DeploymentRuleForm action={ctx.actions.saveDeploymentRule} rule={rule} buildKind={build.kind} registries={ctx.choices.registries} contexts={ctx.choices.contexts} />}
        view={
          <Facts
            className="mt-3"
            items={[
              [build.kind === "docker" ? "Image" : "Artifacts kept in", rule.image ? <Mono key="i">{rule.image}</Mono> : none],
              [
                "Registry",
                rule.registry ? (
                  <span key="r">
                    {rule.registry.name} <span className="text-xs text-zinc-500 dark:text-zinc-400">({rule.registry.url})</span>
                  </span>
                ) : (
                  <span key="r" className="text-zinc-500 dark:text-zinc-400">
                    none registered for the image&apos;s address
                  </span>
                ),
              ],
              ["Approval", approvalText(rule)],
              ["Confirmation level", confirmLabels[rule.confirmLevel]],
              [
                "Environments",
                rule.environments.length ? (
                  <span key="e">
                    <Link href="/environments" className="link">
                      {rule.environments.map((e) => e.name).join(" → ")}
                    </Link>
                    <span className="block text-xs text-zinc-500 dark:text-zinc-400">{stageWords(rule.environments)}</span>
                  </span>
                ) : (
                  <span key="e" className="text-zinc-500 dark:text-zinc-400">
                    none: every target follows the branch
                  </span>
                ),
              ],
              ...(build.kind === "docker" ? ([["Previews", <PreviewSummary key="p" preview={rule.preview} />]] as [string, ReactNode][]) : []),
            ]}
          />
        }
      />
      <div className="mt-4">
        {rule.targets.length ? (
          <TargetTable targets={rule.targets} build={build} branch={rule.branch} environments={rule.environments.map((e) => e.name)} {...ctx} />
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No targets yet: a push to {rule.branch} is built and pushed, and deployed nowhere.</p>
        )}
        {ctx.canEdit ? (
          <Disclosure label="Add target" title={`New target for branch ${rule.branch}`} icon="plus" className="mt-3" level={5}>
            <TargetForm
              action={ctx.actions.saveTarget}
              deploymentRuleId={rule.id}
              buildKind={build.kind}
              contexts={ctx.choices.contexts}
              hosts={ctx.choices.hosts}
              environments={rule.environments.map((e) => e.name)}
            />
          </Disclosure>
        ) : null}
      </div>
    </section>
  );
}

/** "staging soaks 30m, 2 checks · production after approval", the stages' gates in a line. */
function stageWords(envs: RepoDeployRuleRow["environments"]): string {
  return envs
    .map((e) => {
      const parts = [
        e.soakSeconds ? `soaks ${durationText(e.soakSeconds)}` : null,
        e.checkUrls.length ? `${e.checkUrls.length} ${e.checkUrls.length === 1 ? "check" : "checks"}` : null,
        e.approvalMode === "manual" ? "after approval" : null,
      ].filter(Boolean);
      return parts.length ? `${e.name} ${parts.join(", ")}` : null;
    })
    .filter(Boolean)
    .join(" · ");
}

function PreviewSummary({ preview }: { preview: RepoDeployRuleRow["preview"] }) {
  if (!preview.enabled) return <span className="text-zinc-500 dark:text-zinc-400">off</span>;
  return (
    <span>
      <Link href="/previews" className="link">
        on
      </Link>
      {preview.url ? (
        <>
          {" "}
          at <Mono small className="wrap-anywhere">{preview.url}</Mono>
        </>
      ) : null}
      <span className="block text-xs text-zinc-500 dark:text-zinc-400">
        up to {preview.maxConcurrent} at once, {preview.ttlHours} h to live{preview.context ? `, on ${preview.context}` : preview.defaultContext ? `, on ${preview.defaultContext}` : ""}
      </span>
    </span>
  );
}

// ─── targets ────────────────────────────────────────────────────────────────────────────────────

export function TargetPlace({ target }: { target: Pick<RepoTargetRow, "context" | "host"> }) {
  if (target.context) {
    return (
      <span>
        <span className="text-xs text-zinc-500 dark:text-zinc-400">context </span>
        <Link className="link" href={`/contexts/${target.context.id}`}>
          {target.context.name}
        </Link>
      </span>
    );
  }
  if (target.host) {
    return (
      <span>
        <span className="text-xs text-zinc-500 dark:text-zinc-400">host </span>
        <Link className="link" href={`/hosts/${target.host.id}`}>
          {target.host.name}
        </Link>
      </span>
    );
  }
  return none;
}

const th = "whitespace-nowrap px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-zinc-500 first:pl-4 dark:text-zinc-400";
const td = "px-3 py-2.5 align-top text-zinc-700 first:pl-4 dark:text-zinc-300";

function TargetTable({ targets, build, branch, environments, ...ctx }: Ctx & { targets: RepoTargetRow[]; build: RepoBuildRuleRow; branch: string; environments: string[] }) {
  const cols = ctx.canEdit ? 6 : 5;
  return (
    <div className="overflow-x-auto rounded-md border border-zinc-200 dark:border-zinc-800">
      <table className="w-full min-w-[52rem] table-fixed border-collapse text-sm">
        <caption className="sr-only">Targets of branch {branch} ({build.name})</caption>
        <colgroup>
          <col className="w-[22%]" />
          <col className="w-[10%]" />
          <col className="w-[13%]" />
          <col className="w-[19%]" />
          <col />
          {ctx.canEdit ? <col className="w-40" /> : null}
        </colgroup>
        <thead className="border-b border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900">
          <tr>
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
            <th scope="col" className={th}>
              Health and time limits
            </th>
            {ctx.canEdit ? (
              <th scope="col" className={`${th} pr-4 text-right`}>
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {targets.map((t) => (
            <EditableRow
              key={t.id}
              canEdit={ctx.canEdit}
              colSpan={cols}
              editLabel={`Edit target ${t.name}`}
              deleteControl={<DeleteEntity kind="target" id={t.id} what={`target ${t.name}`} action={ctx.actions.deleteEntity} />}
              form={<TargetForm action={ctx.actions.saveTarget} target={t} buildKind={build.kind} contexts={ctx.choices.contexts} hosts={ctx.choices.hosts} environments={environments} />}
              cells={
                <>
                  <th scope="row" className={`${td} text-left font-medium text-zinc-900 dark:text-zinc-100`}>
                    <Link href={`/targets/${t.id}`} className="link" title={`${t.name}: what it runs, its history and rollback`}>
                      <Mono className="wrap-anywhere text-inherit!">{t.name}</Mono>
                    </Link>
                  </th>
                  <td className={td}>{targetKindLabels[t.kind]}</td>
                  <td className={`${td} break-words`}>
                    <TargetPlace target={t} />
                  </td>
                  <td className={td}>
                    <Mono className="wrap-anywhere">{t.service}</Mono>
                    {t.composeProject ? (
                      <span className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">
                        compose project <Mono small>{t.composeProject}</Mono>
                      </span>
                    ) : null}
                    <TargetRun target={t} />
                    {t.environment ? (
                      <span className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">
                        environment{" "}
                        <Link href="/environments" className="link">
                          {t.environment}
                        </Link>
                      </span>
                    ) : null}
                  </td>
                  <td className={td}>
                    {t.healthUrl ? (
                      <Mono small className="wrap-anywhere">
                        {t.healthUrl}
                      </Mono>
                    ) : (
                      <span className="text-xs text-zinc-500 dark:text-zinc-400">no health URL</span>
                    )}
                    <span className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">
                      converge {durationText(t.convergeTimeoutSeconds)} · healthy {durationText(t.healthTimeoutSeconds)} · watch {t.monitorSeconds === null ? monitorWords(t.kind, null).short : durationText(t.monitorSeconds)}
                      {t.allowUnsigned ? <span className="font-medium text-amber-700 dark:text-amber-300"> · unsigned releases allowed</span> : null}
                    </span>
                  </td>
                </>
              }
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
