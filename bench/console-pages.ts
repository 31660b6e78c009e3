// The pages bench:console requests (bench/console.ts over HTTP, bench/console-reads.ts through their read
// models), with ids picked from what bench/console.ts seeded at a size: deep pages start in the middle of the
// history.

export const REPOS = 100;

/** The first build number ≥ n that bench/console.ts released and deployed (its seedBuilds rule). */
function deployedAtOrAfter(n: number): number {
  for (let i = n; ; i++) if (Math.floor(i / REPOS) % 10 === 0 && i !== 1 && i % 23 !== 5) return i;
}

export function consolePages(size: number): { page: string; url: string }[] {
  const mid = Math.floor(size / 2);
  return [
    { page: "dashboard", url: "/" },
    { page: "builds", url: "/builds" },
    { page: "builds, deep page", url: `/builds?before=b${mid}` },
    { page: "a build", url: "/builds/b4" },
    { page: "deployments", url: "/deployments" },
    { page: "deployments, deep page", url: `/deployments?before=d${deployedAtOrAfter(mid)}` },
    { page: "a deployment", url: "/deployments/d4" },
    { page: "targets", url: "/targets" },
    { page: "a target", url: "/targets/t004" },
    { page: "a pinned target", url: "/targets/t007" },
    { page: "approvals", url: "/approvals" },
    { page: "audit", url: "/audit" },
    { page: "audit, busy actor", url: "/audit?actor=user6" },
    { page: "audit, actor without events", url: "/audit?actor=idle" },
    { page: "audit, subject", url: "/audit?subjectType=target&subjectId=t004" },
    { page: "audit, deep page", url: `/audit?before=${10_000_000 - mid}` },
    { page: "services", url: "/services" },
    { page: "repositories", url: "/repositories" },
    { page: "a repository", url: "/repositories/r004" },
    { page: "dora, 30 days", url: "/dora" },
    { page: "dora, 90 days, a repository", url: "/dora?period=90&repository=r004" },
  ];
}
