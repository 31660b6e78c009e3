// "Check host" for a unikernel target, before its first deploy: over one SSH connection with the host's
// pinned keys and the deployer key, can Slipway log in, create and write the service's directory, find the
// restart method's program, and (systemd) does systemd know the unit? Each item is answered in words with
// what to do. Like the other checks it reaches out from the web process within a bound (15 s); it changes no
// row, so it writes no audit event (on the host it may create the service's directory, as a deploy would).
import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { DEFAULT_UNIKERNEL_DIR, defaultRestartUnit } from "@/lib/validation/inventory";
import { hostAccess } from "@/lib/services/inventory/access";
import { openSshSession, type ExecResult, type SshSession } from "@/lib/ssh/session";
import { SshError } from "@/lib/ssh/errors";

/** The whole check, login included, answers within this. */
export const TARGET_CHECK_TIMEOUT_MS = 15_000;
/** The login alone. */
const LOGIN_TIMEOUT_MS = 10_000;

export type TargetCheckItemName = "login" | "directory" | "program" | "unit";

export interface TargetCheckItem {
  name: TargetCheckItemName;
  /** "skipped": not tried, because an earlier item failed */
  outcome: "ok" | "failed" | "skipped";
  /** what was checked, e.g. "Log in as root@unikernel-host" */
  label: string;
  /** what happened, and on failure what to do */
  detail: string;
}

export interface TargetCheckResult {
  target: string;
  host: string;
  ok: boolean;
  items: TargetCheckItem[];
}

const input = z.object({ target_id: rowId });

/** What a command printed, bounded, for a sentence. */
function said(r: ExecResult): string {
  return (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join("; ").slice(0, 300);
}

function failedWith(r: ExecResult): string {
  const text = said(r);
  return `exit status ${r.code ?? `signal ${r.signal ?? "?"}`}${text ? `: ${text}` : ""}`;
}

export async function checkUnikernelTarget(actor: Actor, raw: unknown, signal?: AbortSignal): Promise<TargetCheckResult> {
  authorize(actor, "inventory.test");
  const { target_id } = parseInput(input, raw);
  const t = await getDb().target.findUnique({ where: { id: target_id }, include: { host: { select: { id: true, name: true } } } });
  if (!t) throw new NotFoundError("That target does not exist any more; reload the page.");
  if (t.kind !== "unikernel") throw new ConflictError(`${t.name} is not a unikernel on a host; Check host is for unikernel targets.`);
  if (!t.host) throw new ConflictError(`${t.name} names no host; set one on the target under its repository.`);

  const access = await hostAccess(t.host.id);
  const who = `${access.user}@${t.host.name}`;
  const dir = `${(t.unikernelDir ?? DEFAULT_UNIKERNEL_DIR).replace(/\/+$/, "")}/${t.service}`;
  const method = t.restartMethod ?? "systemd";
  const unit = t.restartUnit ?? defaultRestartUnit(t.service);
  const program = method === "systemd" ? "systemctl" : method === "albatross" ? "albatross-client" : (t.restartArgv[0] ?? "");
  const labels: Record<TargetCheckItemName, string> = {
    login: `Log in as ${who}`,
    directory: `Create and write ${dir}`,
    program: `Find ${program || "the restart command"} on the host`,
    unit: `systemd knows the unit ${unit}`,
  };
  const names: TargetCheckItemName[] = method === "systemd" ? ["login", "directory", "program", "unit"] : ["login", "directory", "program"];
  const items: TargetCheckItem[] = [];
  const record = (name: TargetCheckItemName, ok: boolean, detail: string) => items.push({ name, outcome: ok ? "ok" : "failed", label: labels[name], detail });
  const finish = (): TargetCheckResult => {
    for (const name of names) {
      if (!items.some((i) => i.name === name)) items.push({ name, outcome: "skipped", label: labels[name], detail: "not checked: an earlier step failed" });
    }
    return { target: t.name, host: t.host!.name, ok: items.every((i) => i.outcome === "ok"), items };
  };

  const deadline = AbortSignal.timeout(TARGET_CHECK_TIMEOUT_MS);
  const bounded = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const until = Date.now() + TARGET_CHECK_TIMEOUT_MS;
  const call = () => ({ signal: bounded, timeoutMs: Math.max(1_000, until - Date.now()) });

  let ssh: SshSession;
  try {
    ssh = await openSshSession({ ...access, timeoutMs: LOGIN_TIMEOUT_MS, signal: bounded });
  } catch (err) {
    if (!(err instanceof SshError)) throw err;
    record("login", false, err.message);
    return finish();
  }
  try {
    record("login", true, `logged in with the deployer key; the host key matches a pinned one`);

    // the directory: as a deploy makes it, then a probe file written over SFTP and removed again
    const mk = await ssh.exec(["mkdir", "-p", "--", dir], call());
    if (mk.code !== 0) {
      record("directory", false, `mkdir -p ${dir} failed (${failedWith(mk)}); create it on the host and give ${access.user} write access to it (mkdir -p ${dir} && chown ${access.user} ${dir})`);
    } else {
      const probe = `${dir}/.slipway-check-${randomBytes(4).toString("hex")}`;
      let wrote = false;
      try {
        await ssh.upload(Buffer.from("written by Slipway's host check; safe to delete\n"), probe, { mode: 0o600, ...call() });
        wrote = true;
      } catch (err) {
        if (!(err instanceof SshError)) throw err;
        record("directory", false, err.message);
      }
      if (wrote) {
        const rm = await ssh.exec(["rm", "-f", "--", probe], call());
        if (rm.code === 0) record("directory", true, `${dir} exists and ${access.user} can write and remove files in it`);
        else record("directory", false, `wrote ${probe} but could not remove it (${failedWith(rm)}); give ${access.user} write access to ${dir}, and delete the probe file`);
      }
    }

    // the restart method's program, found as the deploy's session will find it (its PATH); the name is an
    // argument of sh, never part of the script
    if (!program) {
      record("program", false, "the target restarts with a command but names none: set its restart command under the repository");
    } else {
      const found = await ssh.exec(["sh", "-c", 'command -v "$1"', "sh", program], call());
      const where = found.stdout.trim().split("\n")[0] ?? "";
      if (found.code === 0 && where) {
        record("program", true, `${program} is ${where}`);
      } else {
        const how =
          method === "systemd"
            ? "this host has no systemctl: use a host with systemd, or restart with albatross or a command"
            : method === "albatross"
              ? "install albatross (albatross-client, and the albatrossd daemon it talks to) on the host"
              : `install ${program} on the host, or give its absolute path as the first argument of the restart command`;
        record("program", false, `${program} is not on the PATH of ${access.user} on ${t.host.name}; ${how}`);
      }
    }

    if (method === "systemd" && items.some((i) => i.name === "program" && i.outcome === "ok")) {
      // the unit name is validated: it never starts with '-', so systemctl cannot read it as an option
      const cat = await ssh.exec(["systemctl", "cat", unit], call());
      if (cat.code === 0) record("unit", true, `systemd has ${unit}${cat.stdout.startsWith("# /") ? ` (${cat.stdout.split("\n")[0]!.slice(2).trim()})` : ""}`);
      else record("unit", false, `unit not found: install the unit template from the README (unikernel@.service) on the host, or name an existing unit on the target (${failedWith(cat)})`);
    }
    return finish();
  } catch (err) {
    if (!(err instanceof SshError)) throw err;
    // the connection broke or the time ran out mid-way: what was not answered says so
    const next = names.find((n) => !items.some((i) => i.name === n));
    if (next) record(next, false, err.message);
    return finish();
  } finally {
    ssh.close();
  }
}
