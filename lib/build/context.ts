// The build context sent to the Docker daemon: the rule's context directory of the commit, as a tar, without
// what .dockerignore excludes and without .git unless the rule includes it. The Dockerfile must be a regular
// file inside the repository; one outside the context directory is copied in under a private name, as the docker
// CLI does. Two sources give the same entries: a checkout on disk (prepareContext), or the commit's tree in the
// git mirror, streamed from git's objects without a checkout (prepareTreeContext).
import { copyFile, lstat, readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import createIgnore from "@balena/dockerignore";
import tar from "tar-fs";
import type { TarItem, TreeEntry } from "@/lib/git/tree-tar";

export class BuildInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildInputError";
  }
}

export interface PreparedContext {
  /** the context directory on disk; null when the context is streamed from the git mirror */
  dir: string | null;
  /** the Dockerfile's path inside the context, as the daemon is told */
  dockerfile: string;
  /** files and links sent (relative, posix) */
  entries: string[];
  stream(): Readable;
}

async function inside(root: string, p: string): Promise<boolean> {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The children of a context directory (relative, posix; "" is the context itself); a symlink is not a directory. */
type ListDir = (rel: string) => Promise<Array<{ name: string; isDir: boolean }>>;

async function walk(list: ListDir, rel: string, out: string[], skip: (relPath: string, isDir: boolean) => boolean): Promise<void> {
  const entries = await list(rel);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (skip(p, e.isDir)) continue;
    if (e.isDir) {
      const before = out.length;
      await walk(list, p, out, skip);
      if (out.length === before) out.push(p); // an empty directory still exists in the image
    } else out.push(p);
  }
}

/** What goes into the context: everything but .git (unless included) and what .dockerignore excludes. */
async function selectEntries(list: ListDir, dockerfile: string, dockerignore: string | null, includeGit: boolean): Promise<string[]> {
  let ignored: (p: string) => boolean = () => false;
  if (dockerignore !== null) {
    const ig = createIgnore({ ignorecase: false }).add(dockerignore);
    ignored = (p) => ig.ignores(p);
  }
  const always = new Set([dockerfile, ".dockerignore"]);
  const entries: string[] = [];
  await walk(list, "", entries, (p, isDir) => {
    if (always.has(p)) return false;
    if (!includeGit && (p === ".git" || p.startsWith(".git/"))) return true;
    // directories are always walked: a "!" pattern may bring back a file under an ignored directory
    return isDir ? false : ignored(p);
  });
  return entries;
}

/**
 * Checks the rule's paths against the checkout and lists what goes into the context.
 * `checkout` is the repository root; `contextDir` and `dockerfile` are repository paths.
 */
export async function prepareContext(checkout: string, rule: { contextDir: string; dockerfile: string; includeGit: boolean }): Promise<PreparedContext> {
  const root = await realpath(checkout);
  const ctxPath = path.resolve(root, rule.contextDir || ".");
  if (!(await inside(root, ctxPath))) throw new BuildInputError(`the context directory ${rule.contextDir} is outside the repository`);
  let ctxReal: string;
  try {
    ctxReal = await realpath(ctxPath);
  } catch {
    throw new BuildInputError(`the context directory ${rule.contextDir || "."} does not exist in this commit`);
  }
  if (!(await inside(root, ctxReal))) throw new BuildInputError(`the context directory ${rule.contextDir} leads outside the repository (through a symbolic link)`);
  if (!(await lstat(ctxReal)).isDirectory()) throw new BuildInputError(`the context ${rule.contextDir} is not a directory`);

  const dfPath = path.resolve(root, rule.dockerfile);
  if (!(await inside(root, dfPath))) throw new BuildInputError(`the Dockerfile path ${rule.dockerfile} escapes the repository`);
  let dfReal: string;
  try {
    dfReal = await realpath(dfPath);
  } catch {
    throw new BuildInputError(`there is no ${rule.dockerfile} in this commit: check the build rule's Dockerfile path`);
  }
  if (!(await inside(root, dfReal))) throw new BuildInputError(`the Dockerfile ${rule.dockerfile} is a symbolic link that leads outside the repository`);
  if (!(await lstat(dfReal)).isFile()) throw new BuildInputError(`${rule.dockerfile} is not a file`);

  let dockerfile: string;
  if (await inside(ctxReal, dfReal)) {
    dockerfile = path.relative(ctxReal, dfReal).split(path.sep).join("/");
  } else {
    dockerfile = ".slipway.Dockerfile";
    await copyFile(dfReal, path.join(ctxReal, dockerfile));
  }

  let dockerignore: string | null = null;
  try {
    dockerignore = await readFile(path.join(ctxReal, ".dockerignore"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const list: ListDir = async (rel) => (await readdir(path.join(ctxReal, rel), { withFileTypes: true })).map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  const entries = await selectEntries(list, dockerfile, dockerignore, rule.includeGit);
  // a directory in the list is one whose every file was left out: tar-fs would pack what is under it, so the
  // files it holds are kept out here (a .dockerignore of `secrets/*` must not send secrets/ whole). Only such a
  // directory can be a listed entry with something under it.
  const listed = new Set(entries);
  const underEmptied = (abs: string) => {
    const rel = path.relative(ctxReal, abs).split(path.sep);
    for (let i = 1; i < rel.length; i++) if (listed.has(rel.slice(0, i).join("/"))) return true;
    return false;
  };
  return {
    dir: ctxReal,
    dockerfile,
    entries,
    // tar-fs consumes the list it is given: each stream gets its own copy. A plain tar, as the docker CLI
    // sends it: gzip cost more time than it saved on a local or LAN daemon (npm run bench:build)
    stream: () => tar.pack(ctxReal, { entries: [...entries], ignore: underEmptied }),
  };
}

/** A layout the tree cannot answer alone (a symbolic link on the way to the context, the Dockerfile or .dockerignore). */
export interface CheckoutNeeded {
  checkoutNeeded: string;
}

export interface TreeContextSource {
  /** the commit's whole tree (lib/git/tree-tar.ts listTree) */
  tree: TreeEntry[];
  readBlob(object: string): Promise<string>;
  /** a tar of these items, read from the repository's objects */
  tar(items: TarItem[]): Readable;
  /** the whole tree as `git archive` writes it (used when that is the context: see wholeTreeIsContext) */
  archive?(): Readable;
}

/**
 * The context is the commit's whole tree exactly as `git archive` writes it: the repository root with the Dockerfile
 * in it and no .dockerignore, and nothing git archive would write differently from a checkout (a .gitattributes
 * may drop or rewrite files with export-ignore and export-subst; a submodule).
 */
function wholeTreeIsContext(tree: readonly TreeEntry[], ctx: string, dockerfileInCtx: boolean, dockerignore: TreeEntry | undefined): boolean {
  if (ctx !== "" || !dockerfileInCtx || dockerignore) return false;
  return !tree.some((e) => e.kind === "submodule" || e.path === ".gitattributes" || e.path.endsWith("/.gitattributes"));
}

/**
 * The same context as prepareContext would make from a checkout of the commit, from the commit's tree alone: the
 * same checks and messages, the same entries in the same order (a submodule is an empty directory, as in a
 * checkout without submodules). Returns CheckoutNeeded where a symbolic link would have to be followed.
 * Never used for a rule that includes .git (git's own files are not in the tree).
 */
export async function prepareTreeContext(src: TreeContextSource, rule: { contextDir: string; dockerfile: string }): Promise<PreparedContext | CheckoutNeeded> {
  const byPath = new Map(src.tree.map((e) => [e.path, e]));
  const ROOT = "/repository";
  /** the repository path, or null when it leaves the repository */
  const repoPath = (p: string): string | null => {
    const abs = path.posix.resolve(ROOT, p);
    return abs === ROOT ? "" : abs.startsWith(`${ROOT}/`) ? abs.slice(ROOT.length + 1) : null;
  };
  /** a symbolic link on the way to `p` (or `p` itself) */
  const linkOnTheWay = (p: string): string | null => {
    const parts = p === "" ? [] : p.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (byPath.get(prefix)?.kind === "symlink") return prefix;
    }
    return null;
  };

  const ctx = repoPath(rule.contextDir || ".");
  if (ctx === null) throw new BuildInputError(`the context directory ${rule.contextDir} is outside the repository`);
  const ctxLink = linkOnTheWay(ctx);
  if (ctxLink !== null) return { checkoutNeeded: `the context directory goes through the symbolic link ${ctxLink}` };
  const ctxEntry = ctx === "" ? null : byPath.get(ctx);
  if (ctx !== "" && !ctxEntry) throw new BuildInputError(`the context directory ${rule.contextDir || "."} does not exist in this commit`);
  if (ctxEntry && ctxEntry.kind !== "dir" && ctxEntry.kind !== "submodule") throw new BuildInputError(`the context ${rule.contextDir} is not a directory`);

  const df = repoPath(rule.dockerfile);
  if (df === null) throw new BuildInputError(`the Dockerfile path ${rule.dockerfile} escapes the repository`);
  const dfLink = linkOnTheWay(df);
  if (dfLink !== null) return { checkoutNeeded: `the Dockerfile path goes through the symbolic link ${dfLink}` };
  const dfEntry = byPath.get(df);
  if (!dfEntry && df !== "") throw new BuildInputError(`there is no ${rule.dockerfile} in this commit: check the build rule's Dockerfile path`);
  if (!dfEntry || (dfEntry.kind !== "file" && dfEntry.kind !== "executable")) throw new BuildInputError(`${rule.dockerfile} is not a file`);

  const prefix = ctx === "" ? "" : `${ctx}/`;
  const inCtx = ctx === "" || df.startsWith(prefix);
  const dockerfile = inCtx ? df.slice(prefix.length) : ".slipway.Dockerfile";

  // the context's own entries by their relative path, with the outside Dockerfile copied in under its private name
  const rel = new Map<string, TreeEntry>();
  for (const e of src.tree) if (prefix === "" || e.path.startsWith(prefix)) rel.set(e.path.slice(prefix.length), e);
  if (!inCtx) rel.set(dockerfile, dfEntry);
  const children = new Map<string, Array<{ name: string; isDir: boolean }>>();
  for (const [p, e] of rel) {
    const slash = p.lastIndexOf("/");
    const parent = slash < 0 ? "" : p.slice(0, slash);
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push({ name: p.slice(slash + 1), isDir: e.kind === "dir" || e.kind === "submodule" });
  }

  const ignoreEntry = rel.get(".dockerignore");
  if (ignoreEntry && ignoreEntry.kind !== "file" && ignoreEntry.kind !== "executable") return { checkoutNeeded: `.dockerignore is a ${ignoreEntry.kind === "symlink" ? "symbolic link" : "directory"}` };
  const dockerignore = ignoreEntry ? await src.readBlob(ignoreEntry.object) : null;

  const entries = await selectEntries(async (p) => [...(children.get(p) ?? [])], dockerfile, dockerignore, false);
  const items: TarItem[] = entries.map((p) => {
    const e = rel.get(p)!;
    return e.kind === "dir" || e.kind === "submodule" ? { name: p, kind: "dir" } : { name: p, kind: e.kind, object: e.object };
  });
  if (src.archive && wholeTreeIsContext(src.tree, ctx, inCtx, ignoreEntry)) return { dir: null, dockerfile, entries, stream: () => src.archive?.() ?? src.tar(items) };
  return { dir: null, dockerfile, entries, stream: () => src.tar(items) };
}
