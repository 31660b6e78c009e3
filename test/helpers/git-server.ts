// Bare git repositories in temp directories, with commits made by plumbing (no work tree, no user config),
// and a `git daemon` serving them on loopback; the daemon dies with the test process.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { exited, freePort, spawnDaemon } from "@/test/helpers/processes";

const ENV: NodeJS.ProcessEnv = {
  NODE_ENV: process.env.NODE_ENV,
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: os.tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.org",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.org",
};

const roots = new Set<string>();
process.on("exit", () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

export function git(cwd: string, args: string[], input?: string | Buffer): string {
  return execFileSync("git", args, { cwd, env: ENV, input, encoding: "utf8" }).trim();
}

export interface BareRepo {
  /** the bare repository's directory */
  dir: string;
  /** its parent, to serve with startGitDaemon */
  root: string;
  /** the directory name, for daemon.url(name) */
  name: string;
  fileUrl: string;
  /** the commit made at creation */
  initial: string;
  /** commits `files` (a whole tree) on top of branch (created if new) and moves it; returns the SHA */
  commit(branch: string, files: Record<string, string | Buffer>, message?: string): string;
  /** points any ref (e.g. refs/pull/7/head) at sha */
  setRef(ref: string, sha: string): void;
  /** deletes the temp directory (stop the daemon serving it first) */
  remove(): void;
}

/**
 * Commits `tree` (a whole tree of top-level files) on top of `branch` of the bare repository `dir` (the branch
 * is created when new) and moves the branch: a push. Returns the commit's SHA.
 */
export function commitFiles(dir: string, branch: string, tree: Record<string, string | Buffer>, message = `commit on ${branch}`): string {
  const entries = Object.entries(tree).map(([file, content]) => {
    if (file.includes("/")) throw new Error("commitFiles: top-level files only");
    const blob = git(dir, ["hash-object", "-w", "--stdin"], content);
    return `100644 blob ${blob}\t${file}`;
  });
  const treeSha = git(dir, ["mktree"], entries.join("\n") + "\n");
  const ref = `refs/heads/${branch}`;
  let parent: string | undefined;
  try {
    parent = git(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    parent = undefined;
  }
  const args = ["commit-tree", treeSha, "-m", message];
  if (parent) args.push("-p", parent);
  const sha = git(dir, args);
  git(dir, ["update-ref", ref, sha]);
  return sha;
}

export function createBareRepo(files: Record<string, string | Buffer>, opts: { branches?: string[]; name?: string; /** default main */ initialBranch?: string } = {}): BareRepo {
  const root = mkdtempSync(path.join(os.tmpdir(), "slipway-git-"));
  roots.add(root); // removed when the test process exits
  const name = opts.name ?? "repo.git";
  const dir = path.join(root, name);
  const initialBranch = opts.initialBranch ?? "main";
  execFileSync("git", ["init", "--quiet", "--bare", `--initial-branch=${initialBranch}`, "--", dir], { env: ENV });

  const commit = (branch: string, tree: Record<string, string | Buffer>, message = `commit on ${branch}`): string => commitFiles(dir, branch, tree, message);

  const initial = commit(initialBranch, files, "initial commit");
  for (const b of opts.branches ?? []) git(dir, ["update-ref", `refs/heads/${b}`, initial]);
  return {
    dir,
    root,
    name,
    fileUrl: `file://${dir}`,
    initial,
    commit,
    setRef: (ref, sha) => void git(dir, ["update-ref", ref, sha]),
    remove: () => {
      rmSync(root, { recursive: true, force: true });
      roots.delete(root);
    },
  };
}

export interface GitDaemon {
  port: number;
  url(repoName: string): string;
  stop(): Promise<void>;
}

/** `git daemon` serving every repository under rootDir (read-only) on 127.0.0.1, ready when it accepts. */
export async function startGitDaemon(rootDir: string): Promise<GitDaemon> {
  const port = await freePort();
  const child = spawnDaemon(
    "/usr/bin/git",
    ["daemon", "--reuseaddr", `--base-path=${rootDir}`, "--export-all", "--listen=127.0.0.1", `--port=${port}`, "--informative-errors", rootDir],
    { logFile: path.join(rootDir, "daemon.log") },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      execFileSync("git", ["ls-remote", `git://127.0.0.1:${port}/nonexistent`], { env: ENV, stdio: "ignore", timeout: 2000 });
    } catch (err) {
      // "not exported / access denied" means the daemon answered; "connection refused" means not yet
      const stderr = String((err as { stderr?: unknown }).stderr ?? "");
      if (!/refused|unable to connect/i.test(stderr)) break;
    }
    if (child.exitCode !== null) throw new Error(`git daemon exited with ${child.exitCode}; see ${rootDir}/daemon.log`);
    if (Date.now() > deadline) throw new Error(`git daemon did not listen on 127.0.0.1:${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: (repoName) => `git://127.0.0.1:${port}/${repoName}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}
