// The unikernel host driver. Over one SSH connection to the host (its pinned keys; a changed key stops
// everything before a byte is written): the release's file is fetched from the registry that keeps it
// (checked against the release's sha256), uploaded to <dir>/<service>/<sha256>.<target> through a temporary
// name and a rename, checked again on the host, `current` is switched to it by a rename, `latest` is written,
// and the service is restarted by its method (systemd, albatross or a command). Converged = the method says
// it runs, for the target's monitor window. When it does not, `current` goes back to the file it named
// before and the service is restarted on it: the deployment is recorded rolled back, with the reason.
import { fixedMonitorSeconds } from "@/lib/validation/monitor-window";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fetchReleaseFile } from "@/lib/deploy/targets/release-file";
import { openSshSession, type SshSession } from "@/lib/ssh/session";
import { SshError } from "@/lib/ssh/errors";
import type { Applied, DeployIo, DeployRelease, DeployTarget, Live, Outcome, Restored, TargetDriver, TargetSession } from "@/lib/deploy/targets/driver";
import {
  artifactName, latestText, layoutOf, methodOf, methodWords, parseLatest, restartArgv, runningArgv, sha256OfName, type Layout,
} from "@/lib/deploy/targets/unikernel/layout";

/** How often the running check is asked while converging. */
const POLL_MS = 200;

interface UnikernelApplied extends Applied {
  /** the file `current` named before the switch (a name in the service's dir); null when there was none */
  before?: string | null;
  /** what `latest` said before (written back with the previous file) */
  beforeLatest?: string | null;
  /** the restart failed: converge() puts the previous file back at once */
  restartError?: string;
}

/** The commit a `latest` file names ("commit <sha>" line), or "" when it names none. */
function commitOfLatest(text: string | null | undefined): string {
  return parseLatest(text ?? null).commit ?? "";
}

/** A command's failure in words, with what it printed (bounded). */
function failed(what: string, r: { code: number | null; stdout: string; stderr: string }): string {
  const said = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-5).join("; ").slice(0, 500);
  return `${what} exited with status ${r.code ?? "unknown"}${said ? `: ${said}` : ""}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function unikernelSession(t: DeployTarget, ssh: SshSession, where: Layout): TargetSession {
  const monitorSeconds = fixedMonitorSeconds(t);
  const monitorMs = monitorSeconds * 1000;
  const timeoutMs = t.convergeTimeoutSeconds * 1000;

  async function run(argv: string[], what: string, io: DeployIo): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return ssh.exec(argv, { signal: io.signal, timeoutMs: Math.max(1_000, Math.min(120_000, io.deadline - Date.now())) }).then((r) => {
      if (r.code !== 0) io.log.line(failed(what, r));
      return r;
    });
  }

  /** Whether the method says the service runs (a command has no such check: its exit status was the answer). */
  async function running(io: DeployIo): Promise<boolean | null> {
    const argv = runningArgv(t);
    if (!argv) return null;
    const r = await ssh.exec(argv, { signal: io.signal, timeoutMs: 30_000 });
    return r.code === 0;
  }

  /** `current` → `name`, atomically: a new link beside it, renamed over it (SFTP: no process on the host). */
  async function switchCurrent(name: string, io: DeployIo): Promise<void> {
    const tmp = `${where.dir}/.current.tmp-${randomBytes(4).toString("hex")}`;
    await ssh.symlink(name, tmp, { signal: io.signal });
    try {
      await ssh.replace(tmp, where.current, { signal: io.signal });
    } catch (err) {
      await ssh.exec(["rm", "-f", "--", tmp], { timeoutMs: 15_000 }).catch(() => undefined);
      throw err;
    }
  }

  /** Restarts the service on `name`; null when the method accepted it, else why not. */
  async function restart(name: string, p: { sha256: string; commit: string }, io: DeployIo): Promise<string | null> {
    const argv = restartArgv(t, { service: t.service, file: `${where.dir}/${name}`, sha256: p.sha256, commit: p.commit });
    io.log.step(`restarting: ${argv.join(" ")}`);
    const r = await run(argv, argv[0]!, io);
    if (r.stdout.trim()) io.log.line(r.stdout.trim().slice(0, 2000));
    return r.code === 0 ? null : failed(`${argv[0]} (restarting ${t.service})`, r);
  }

  /** Running without a break for the monitor window, within the converge timeout: null, or why not. */
  async function watch(io: DeployIo): Promise<string | null> {
    if (methodOf(t) === "command") {
      io.log.line("the restart command's exit status is the method's word that the service runs");
      return null;
    }
    const end = Math.min(Date.now() + timeoutMs, io.deadline);
    let upSince: number | null = null;
    for (;;) {
      const up = await running(io);
      const now = Date.now();
      if (up) {
        upSince ??= now;
        if (now - upSince >= monitorMs) return null;
      } else if (upSince !== null) {
        return `${methodWords(t)} stopped ${((now - upSince) / 1000).toFixed(1)} s after it started, within the monitor window of ${monitorSeconds} s`;
      }
      if (now >= end) return `${methodWords(t)} was not running after ${t.convergeTimeoutSeconds} s (the target's converge timeout)`;
      await sleep(POLL_MS, io.signal);
    }
  }

  /** Puts `current` (and `latest`, when known) back to `before` and restarts on it; what runs afterwards, in words. */
  async function putBack(before: string | null, latest: string | null, io: DeployIo): Promise<Restored> {
    if (!before) return { live: null, summary: "there was no earlier file on the host to go back to" };
    io.log.step(`switching ${where.current} back to ${before}`);
    await switchCurrent(before, io);
    if (latest) await ssh.upload(Buffer.from(latest), where.latest, { mode: 0o644, signal: io.signal });
    await ssh.exec(["rm", "-f", "--", where.next], { signal: io.signal, timeoutMs: 15_000 });
    const err = await restart(before, { sha256: sha256OfName(before) ?? "", commit: commitOfLatest(latest) }, io);
    if (err) return { live: `${where.dir}/${before}`, summary: `switched back to ${before}, but restarting it failed too: ${err}` };
    const stays = await watch(io);
    return { live: `${where.dir}/${before}`, summary: stays ? `switched back to ${before}, but it does not stay up either: ${stays}` : `switched back to ${before} and restarted it` };
  }

  /** Deletes all but the newest `keep` files; never the current one or the pinned release's. */
  async function prune(keepNames: string[], io: DeployIo): Promise<void> {
    const entries = await ssh.readdir(where.dir, { signal: io.signal });
    // an upload cut off with its connection (a worker that died) leaves its temporary file: one deployment
    // runs per target at a time, so none of them is still being written
    const stray = (entries ?? []).filter((e) => e.type === "file" && /^\.[0-9a-f]{64}\.[a-z]+\.tmp-/.test(e.name));
    if (stray.length > 0) {
      io.log.line(`removing ${stray.length} unfinished upload${stray.length === 1 ? "" : "s"} left by an earlier deployment`);
      await ssh.exec(["rm", "-f", "--", ...stray.map((e) => `${where.dir}/${e.name}`)], { signal: io.signal, timeoutMs: 30_000 });
    }
    const files = (entries ?? [])
      .filter((e) => e.type === "file" && sha256OfName(e.name) !== null)
      .sort((a, b) => b.mtime.getTime() - a.mtime.getTime())
      .map((e) => e.name);
    const keep = new Set([...files.slice(0, t.keepArtifacts), ...keepNames]);
    const drop = files.filter((f) => !keep.has(f));
    if (drop.length === 0) return;
    io.log.line(`removing ${drop.length} older file${drop.length === 1 ? "" : "s"} (keeping ${t.keepArtifacts}, the current and the pinned one)`);
    const rm = await ssh.exec(["rm", "-f", "--", ...drop.map((f) => `${where.dir}/${f}`)], { signal: io.signal, timeoutMs: 30_000 });
    if (rm.code !== 0) io.log.line(failed("removing older files", rm));
  }

  /** `latest.next` when it names the file `current` links to: a switch whose restart was not confirmed. */
  async function unconfirmed(link: string, io: DeployIo): Promise<{ text: string; commit: string; sha256: string; file: string } | null> {
    const text = (await ssh.readFile(where.next, { maxBytes: 64 * 1024, signal: io.signal }))?.toString("utf8") ?? null;
    const next = parseLatest(text);
    if (!text || !next.file || !next.sha256 || next.file !== link.slice(link.lastIndexOf("/") + 1)) return null;
    return { text, commit: next.commit ?? "", sha256: next.sha256, file: next.file };
  }

  return {
    async live(io): Promise<Live> {
      try {
        const link = await ssh.readlink(where.current, { signal: io.signal });
        if (link === null) return { state: "not_found", reason: `nothing is deployed on the host yet: ${where.current} does not exist` };
        const sha = sha256OfName(link);
        const reference = `${where.dir}/${link.slice(link.lastIndexOf("/") + 1)}`;
        const pending = await unconfirmed(link, io);
        if (pending) {
          // the file was switched to, but nobody saw its restart succeed: what runs may still be the old one
          return { state: "found", identity: sha, reference, converged: false, settling: `${reference} was switched to but its restart was not confirmed: restarting ${methodWords(t)} on it`, description: `${where.current} → ${link}, not yet confirmed (latest.next)` };
        }
        const up = await running(io);
        const words = up === null ? "" : up ? `, ${methodWords(t)} is running` : `, but ${methodWords(t)} is not running`;
        return { state: "found", identity: sha, reference, converged: up !== false, settling: null, description: `${where.current} → ${link}${words}` };
      } catch (err) {
        return { state: "unreachable", reason: explain(err) };
      }
    },

    async apply(release: DeployRelease, io): Promise<UnikernelApplied> {
      const r = release.row;
      if (!r.artifactSha256 || !r.artifactPath || !r.artifactTarget) throw new Error("the release has no unikernel artifact (sha256, path and target); it was not built by a unikernel build rule");
      const name = artifactName(r.artifactSha256, r.artifactTarget);
      const file = `${where.dir}/${name}`;
      io.log.step(`putting ${name} on ${ssh.target} (${methodWords(t)})`);
      if ((await ssh.stat(where.dir, { signal: io.signal, follow: true }))?.type !== "directory") {
        const mk = await ssh.exec(["mkdir", "-p", "--", where.dir], { signal: io.signal, timeoutMs: 30_000 });
        if (mk.code !== 0) throw new Error(`${failed(`creating ${where.dir}`, mk)}; give ${ssh.target.split("@")[0]} write access to ${path.posix.dirname(where.dir)}`);
      }
      const link = await ssh.readlink(where.current, { signal: io.signal });
      const before = link === null ? null : link.slice(link.lastIndexOf("/") + 1);
      const beforeLatest = link === null ? null : ((await ssh.readFile(where.latest, { maxBytes: 64 * 1024, signal: io.signal }))?.toString("utf8") ?? null);

      const there = await ssh.stat(file, { signal: io.signal });
      const onHost = async () => {
        const sum = await ssh.exec(["sha256sum", "--", file], { signal: io.signal, timeoutMs: 120_000 });
        if (sum.code !== 0) throw new Error(failed(`sha256sum ${file}`, sum));
        return sum.stdout.trim().split(/\s+/)[0] ?? "";
      };
      if (there?.type === "file" && (await onHost()) === r.artifactSha256) {
        io.log.line(`${file} is already on the host with the release's sha256`);
      } else {
        const local = await mkdtemp(path.join(os.tmpdir(), "slipway-unikernel-"));
        try {
          const got = await fetchReleaseFile(release, local, name, io);
          io.log.line(`uploading ${got.size} bytes to ${file}`);
          await ssh.upload(createReadStream(got.path), file, { mode: 0o755, signal: io.signal });
        } finally {
          await rm(local, { recursive: true, force: true });
        }
        const sum = await onHost();
        if (sum !== r.artifactSha256) {
          await ssh.exec(["rm", "-f", "--", file], { timeoutMs: 15_000 }).catch(() => undefined);
          throw new Error(`the file uploaded to ${file} has sha256 ${sum}, not the release's ${r.artifactSha256}: it was removed and nothing was switched`);
        }
        io.log.line(`sha256 on the host: ${sum}`);
      }

      // the intent first (latest.next), then the switch, then the restart; latest only once the restart succeeded
      await ssh.upload(Buffer.from(latestText({ commit: release.commit, sha256: r.artifactSha256, releaseId: r.id, file: name })), where.next, { mode: 0o644, signal: io.signal });
      io.log.step(`switching ${where.current} to ${name}${before ? ` (was ${before})` : ""}`);
      await switchCurrent(name, io);
      const restartError = await restart(name, { sha256: r.artifactSha256, commit: release.commit }, io);
      if (!restartError) await ssh.replace(where.next, where.latest, { signal: io.signal });
      return {
        reference: file,
        version: null,
        waiting: restartError ? null : methodOf(t) === "command" ? null : `waiting for ${methodWords(t)} to run for ${monitorSeconds} s`,
        before,
        beforeLatest,
        ...(restartError ? { restartError } : {}),
      };
    },

    async converge(applied: UnikernelApplied, io): Promise<Outcome> {
      if (applied.before === undefined) {
        // re-verification of a deployment whose worker died after the switch: finish its restart, and go back
        // to the last confirmed file (latest) when it does not run
        const link = await ssh.readlink(where.current, { signal: io.signal });
        const pending = link === null ? null : await unconfirmed(link, io);
        if (pending) {
          const latest = (await ssh.readFile(where.latest, { maxBytes: 64 * 1024, signal: io.signal }))?.toString("utf8") ?? null;
          applied.before = parseLatest(latest).file;
          applied.beforeLatest = latest;
          const err = await restart(pending.file, { sha256: pending.sha256, commit: pending.commit }, io);
          if (err) applied.restartError = err;
          else await ssh.replace(where.next, where.latest, { signal: io.signal });
        }
      }
      const problem = applied.restartError ?? (await watch(io));
      if (problem) {
        // put the previous file back at once: the host must not stay on a file that does not run
        if (applied.before === undefined || applied.before === null) return { outcome: "failed", message: problem, restored: false };
        const back = await putBack(applied.before, applied.beforeLatest ?? null, io);
        return { outcome: "rolled_back", by: "Slipway", message: `${problem}; ${back.summary}`, live: back.live };
      }
      const pinned = t.pinnedRelease?.artifactSha256 && t.pinnedRelease.artifactTarget ? [artifactName(t.pinnedRelease.artifactSha256, t.pinnedRelease.artifactTarget)] : [];
      const current = applied.reference.slice(applied.reference.lastIndexOf("/") + 1);
      await prune([current, ...pinned, ...(applied.before ? [applied.before] : [])], io);
      return { outcome: "converged" };
    },

    async restore(applied: UnikernelApplied, previous, cause, io): Promise<Restored> {
      io.log.step(cause === "unhealthy" ? "health check failed: going back to the previous file" : "going back to the previous file");
      const p = previous?.row;
      const fallback = p?.artifactSha256 && p.artifactTarget ? artifactName(p.artifactSha256, p.artifactTarget) : null;
      const latest = applied.beforeLatest ?? (p?.artifactSha256 && fallback && previous ? latestText({ commit: previous.commit, sha256: p.artifactSha256, releaseId: p.id, file: fallback }) : null);
      return putBack(applied.before ?? fallback, latest, io);
    },

    explain,
    close: async () => ssh.close(),
  };
}

function explain(err: unknown): string {
  if (err instanceof SshError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

export const unikernelDriver: TargetDriver = {
  place(t) {
    if (!t.hostId || !t.host) throw new Error(`${t.name} names no host; set one on the target`);
    return `unikernel ${t.service} on host ${t.host.name} (${methodWords(t)})`;
  },
  identity: (release) => release.artifactSha256,
  async open(t, inventory, io) {
    if (!t.hostId) throw new Error(`${t.name} names no host; set one on the target`);
    const where = layoutOf(t);
    const ssh = await openSshSession({ ...(await inventory.host(t.hostId)), signal: io.signal });
    return unikernelSession(t, ssh, where);
  },
};
