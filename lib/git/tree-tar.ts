// A commit's tree read straight from a git repository's object store (no checkout): its listing, one file's
// content, and a tar of chosen entries streamed from one `git cat-file --batch`, with backpressure: git is
// read only as fast as the tar's reader takes it, and no file is held in memory whole.
import { PassThrough, type Readable } from "node:stream";
import tar from "tar-stream";
import { GitError, runGit, spawnGit, type RunGitOptions } from "@/lib/git/run";

export type TreeEntryKind = "file" | "executable" | "symlink" | "dir" | "submodule";

export interface TreeEntry {
  /** path from the repository's root, posix */
  path: string;
  kind: TreeEntryKind;
  /** the object's name (a blob, a tree, or a submodule's commit) */
  object: string;
}

export interface TarItem {
  /** the name in the tar */
  name: string;
  kind: "file" | "executable" | "symlink" | "dir";
  /** the blob, for files and symlinks */
  object?: string;
}

const KINDS: Record<string, TreeEntryKind> = { "100644": "file", "100664": "file", "100755": "executable", "120000": "symlink", "040000": "dir", "160000": "submodule" };

/** Every entry of commit `sha`'s tree, directories and submodules included (`git ls-tree -r -t`). */
export async function listTree(gitDir: string, sha: string, opts: Omit<RunGitOptions, "env" | "cwd">): Promise<TreeEntry[]> {
  const { stdout } = await runGit(["ls-tree", "-r", "-t", "-z", "--full-tree", `${sha}^{tree}`], { ...opts, env: { GIT_DIR: gitDir } });
  const out: TreeEntry[] = [];
  for (const rec of stdout.split("\0")) {
    if (rec === "") continue;
    // <mode> SP <type> SP <object> TAB <path>
    const tab = rec.indexOf("\t");
    const [mode = "", , object = ""] = rec.slice(0, tab).split(" ");
    const kind = KINDS[mode];
    if (tab < 0 || !kind) throw new GitError("failed", `git ls-tree printed an entry this build cannot read: ${JSON.stringify(rec.slice(0, 200))}`);
    out.push({ path: rec.slice(tab + 1), kind, object });
  }
  return out;
}

/** One blob's content (small files only: a .dockerignore). */
export async function readBlob(gitDir: string, object: string, opts: Omit<RunGitOptions, "env" | "cwd">): Promise<string> {
  return (await runGit(["cat-file", "blob", object], { ...opts, env: { GIT_DIR: gitDir } })).stdout;
}

/** Reads a stream as lines and exact byte counts, pulling a chunk only when it needs one. */
class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private rest: Buffer = Buffer.alloc(0);
  constructor(src: Readable) {
    this.it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
  private async more(): Promise<void> {
    const r = await this.it.next();
    if (r.done) throw new GitError("failed", "git cat-file ended before it sent every file of the build context");
    this.rest = this.rest.length ? Buffer.concat([this.rest, r.value]) : r.value;
  }
  async line(): Promise<string> {
    for (;;) {
      const i = this.rest.indexOf(10);
      if (i >= 0) {
        const l = this.rest.subarray(0, i).toString("utf8");
        this.rest = this.rest.subarray(i + 1);
        return l;
      }
      await this.more();
    }
  }
  async bytes(n: number, onChunk: (b: Buffer) => unknown): Promise<void> {
    while (n > 0) {
      if (this.rest.length === 0) await this.more();
      const take = this.rest.subarray(0, Math.min(n, this.rest.length));
      this.rest = this.rest.subarray(take.length);
      n -= take.length;
      const wait = onChunk(take);
      if (wait instanceof Promise) await wait;
    }
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export interface TreeTarOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** the time every entry carries (the commit's, as `git archive` does) */
  mtime: Date;
  /** called once when the tar ended, failed or was dropped by its reader */
  onClose?: () => void;
}

/**
 * A tar of `items`, in their order, from the objects of `gitDir`: files 0644 (0755 when executable), directories
 * 0755, symlinks as symlinks (0755, as tar-fs writes them under umask 022), owner 0:0, whatever the worker's umask. Git is stopped when the reader drops the
 * stream, on timeout and on abort; a missing object fails the stream in words.
 */
export function treeTar(gitDir: string, items: readonly TarItem[], opts: TreeTarOptions): Readable {
  const pack = tar.pack();
  const git = spawnGit(["cat-file", "--batch"], { env: { GIT_DIR: gitDir }, timeoutMs: opts.timeoutMs, signal: opts.signal });
  const closed = stopGitWith(pack, git, opts.onClose);

  // the requests, in order; git answers each with "<object> <type> <size>\n<content>\n"
  const blobs = items.filter((i) => i.kind !== "dir");
  for (const i of blobs) git.child.stdin.write(`${i.object}\n`);
  git.child.stdin.end();

  const header = { uid: 0, gid: 0, mtime: opts.mtime };
  /** an entry without content: a directory or a symlink */
  const addEmpty = (h: tar.Headers) => new Promise<void>((resolve, reject) => void pack.entry({ ...header, ...h }, (err) => (err ? reject(err) : resolve())));
  const reader = new ByteReader(git.child.stdout);

  void (async () => {
    for (const item of items) {
      if (item.kind === "dir") {
        await addEmpty({ name: item.name, type: "directory", mode: 0o755 });
        continue;
      }
      const head = (await reader.line()).split(" ");
      if (head[0] !== item.object || head[1] !== "blob") {
        throw new GitError("failed", `the git mirror has no blob ${item.object} for ${item.name} (${head.slice(1).join(" ")}): the mirror is damaged; build again (it is fetched afresh when git finds it broken)`);
      }
      const size = Number(head[2]);
      if (item.kind === "symlink") {
        const parts: Buffer[] = [];
        await reader.bytes(size, (b) => parts.push(b));
        await addEmpty({ name: item.name, type: "symlink", mode: 0o755, linkname: Buffer.concat(parts).toString("utf8") });
      } else {
        const written = new Promise<void>((resolve, reject) => {
          const sink = pack.entry({ ...header, name: item.name, type: "file", mode: item.kind === "executable" ? 0o755 : 0o644, size }, (err) => (err ? reject(err) : resolve()));
          void reader
            .bytes(size, (b) => (sink.write(b) ? undefined : new Promise<void>((r) => sink.once("drain", () => r()))))
            .then(() => sink.end(), reject);
        });
        await written;
      }
      await reader.bytes(1, () => undefined); // the newline after the content
    }
    await git.done;
    pack.finalize();
  })().catch((err: unknown) => {
    void reader.close().catch(() => undefined);
    if (!closed()) pack.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return pack;
}

/**
 * The whole tree of commit `sha` as `git archive` writes it (files 0644 or 0755, directories 0755, the commit's
 * time, owner 0:0, a pax header with the commit id), for a context that is the repository root with nothing to
 * leave out: git writes the tar itself, which is quicker than treeTar's tar written in Node (bench:build 2).
 * The stream fails, rather than ends, when git fails, so a cut tar never reaches the daemon. Git is stopped when
 * the reader drops the stream, on timeout and on abort.
 */
export function archiveTar(gitDir: string, sha: string, opts: Omit<TreeTarOptions, "mtime">): Readable {
  // tar.umask 022: the modes a checkout has under the usual umask (git's default, 002, would make files 0664)
  const git = spawnGit(["-c", "tar.umask=0022", "archive", "--format=tar", sha], { env: { GIT_DIR: gitDir }, timeoutMs: opts.timeoutMs, signal: opts.signal });
  git.child.stdin.end();
  const out = new PassThrough();
  stopGitWith(out, git, opts.onClose);
  git.child.stdout.pipe(out, { end: false });
  git.done.then(
    () => {
      // everything git wrote has been handed on once stdout has ended
      if (git.child.stdout.readableEnded) out.end();
      else git.child.stdout.once("end", () => out.end());
    },
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return out;
}

/**
 * Stops git (and calls onClose once) when the tar stream ends, fails or is dropped by its reader. Returns whether
 * that has happened yet.
 */
function stopGitWith(stream: Readable, git: { kill(): void }, onClose: (() => void) | undefined): () => boolean {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    git.kill();
    onClose?.();
  };
  stream.on("close", close);
  stream.on("end", close);
  stream.on("error", close);
  return () => closed;
}

