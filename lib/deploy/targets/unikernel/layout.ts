// Where a unikernel lives on its host, and the argument lists that restart and check it. Pure functions: the
// driver (driver.ts) runs them over SSH; tests run them against hostile input.
//
//   <dir>/<service>/<sha256>.<target>   every release's file (the newest `keep` stay, plus the current and pinned ones)
//   <dir>/<service>/current             a symbolic link to the running file, switched by a rename
//   <dir>/<service>/latest              commit, sha256 and release of the current file, for people and scripts
import type { DeployTarget } from "@/lib/deploy/targets/driver";
import { UNIKERNEL_SERVICE_NAME } from "@/lib/validation/inventory-fields";

export const DEFAULT_UNIKERNEL_DIR = "/var/lib/slipway/unikernels";
const FILE = /^([0-9a-f]{64})\.(hvt|spt|virtio|xen|unix)$/;

export interface Layout {
  service: string;
  dir: string;
  current: string;
  latest: string;
}

export function layoutOf(t: Pick<DeployTarget, "service" | "unikernelDir">): Layout {
  if (!UNIKERNEL_SERVICE_NAME.test(t.service)) {
    throw new Error(`the unikernel service name "${t.service.slice(0, 80)}" is not allowed: use letters, digits, '-' and '_', starting with a letter (e.g. www)`);
  }
  const root = (t.unikernelDir ?? DEFAULT_UNIKERNEL_DIR).replace(/\/+$/, "") || "/";
  if (!root.startsWith("/") || root.split("/").includes("..")) throw new Error(`the unikernel dir ${root} must be an absolute path without '..'`);
  const dir = `${root}/${t.service}`;
  return { service: t.service, dir, current: `${dir}/current`, latest: `${dir}/latest` };
}

/** The file name a release gets on the host. */
export function artifactName(sha256: string, target: string): string {
  const name = `${sha256}.${target}`;
  if (!FILE.test(name)) throw new Error(`the release's artifact (sha256 ${sha256.slice(0, 16)}…, target ${target}) cannot be named on a host`);
  return name;
}

/** The sha256 in a file name of ours ("<sha256>.<target>", or a path ending in one); null for anything else. */
export function sha256OfName(name: string | null): string | null {
  if (!name) return null;
  return FILE.exec(name.slice(name.lastIndexOf("/") + 1))?.[1] ?? null;
}

export function latestText(r: { commit: string; sha256: string; releaseId: string; file: string }): string {
  return `commit ${r.commit}\nsha256 ${r.sha256}\nrelease ${r.releaseId}\nfile ${r.file}\n`;
}

export type Method = "systemd" | "albatross" | "command";

export function methodOf(t: Pick<DeployTarget, "restartMethod">): Method {
  return t.restartMethod ?? "systemd";
}

export function unitOf(t: Pick<DeployTarget, "restartUnit" | "service">): string {
  return t.restartUnit ?? `unikernel@${t.service}`;
}

/** What {service}, {file}, {sha256} and {commit} stand for in a command target's argv (whole arguments only). */
export interface Placeholders {
  service: string;
  file: string;
  sha256: string;
  commit: string;
}

/** The argument list that (re)starts the service on `file` (the `current` link for systemd: its unit boots that). */
export function restartArgv(t: DeployTarget, p: Placeholders): string[] {
  switch (methodOf(t)) {
    case "systemd":
      // the unit name is validated (it never starts with '-'), so it cannot be read as an option
      return ["systemctl", "restart", unitOf(t)];
    case "albatross":
      return [
        "albatross-client", "create", "--force", `--mem=${t.memoryMib ?? 64}`,
        ...t.networks.map((n) => `--net=${n}`),
        ...t.bootArgs.map((a) => `--arg=${a}`),
        t.service, p.file,
      ];
    case "command": {
      if (t.restartArgv.length === 0) throw new Error(`${t.name} restarts with a command but names none: set restart.argv on the target`);
      const table: Record<string, string> = { "{service}": p.service, "{file}": p.file, "{sha256}": p.sha256, "{commit}": p.commit };
      // a placeholder is replaced only as a whole argument: nothing is spliced into a longer one
      return t.restartArgv.map((a) => table[a] ?? a);
    }
  }
}

/** The argument list whose exit status 0 says the service runs; null when the method has none (a command). */
export function runningArgv(t: DeployTarget): string[] | null {
  switch (methodOf(t)) {
    case "systemd":
      return ["systemctl", "is-active", unitOf(t)];
    case "albatross":
      return ["albatross-client", "info", t.service];
    case "command":
      return null;
  }
}

/** "systemd unit unikernel@www", "albatross VM www", "mirage-redeploy {service}" */
export function methodWords(t: DeployTarget): string {
  switch (methodOf(t)) {
    case "systemd":
      return `systemd unit ${unitOf(t)}`;
    case "albatross":
      return `albatross VM ${t.service}`;
    case "command":
      return `the command ${t.restartArgv.join(" ")}`;
  }
}
