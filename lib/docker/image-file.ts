// One file taken out of an image (a unikernel such as /unikernel.hvt), from a tar stream: the Engine API's
// archive of a container path, or an image layer from a registry. What both ways share: walking tar entries,
// refusing what is not one plain file within the size limit (and, for unikernels, not ELF), and saving it to a
// local file while its size and sha256 are counted.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tarStream from "tar-stream";

export type ImageFileProblem =
  | "missing" // the image has nothing at that path
  | "directory"
  | "link" // a symbolic or hard link
  | "not_regular" // a device, FIFO, …
  | "too_large"
  | "not_elf"
  | "sha256_mismatch"
  | "unsupported" // an image or layer format Slipway does not read
  | "unavailable"; // the image (or the engine or registry holding it) could not be read

/** Why a file could not be taken from an image; the message says what to change. */
export class ImageFileError extends Error {
  constructor(
    readonly problem: ImageFileProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ImageFileError";
  }
}

export interface ImageFile {
  /** the local file it was saved to */
  path: string;
  size: number;
  /** hex, as sha256sum prints it */
  sha256: string;
  /** Throws ImageFileError "sha256_mismatch" when the file is not the one expected (hex, or "sha256:hex"). */
  verifySha256(expected: string): void;
}

export interface SaveOptions {
  /** how messages name the file: "/unikernel.hvt in 127.0.0.1:5000/www@sha256:…" */
  where: string;
  maxBytes: number;
  /** refuse a file that does not start with the ELF magic (0x7f 'E' 'L' 'F') */
  requireElf: boolean;
  signal: AbortSignal;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function tooLarge(where: string, size: number | "more", maxBytes: number): ImageFileError {
  const what = size === "more" ? `more than ${maxBytes} bytes` : `${size} bytes (${mebibytes(size)})`;
  return new ImageFileError("too_large", `${where} is ${what}, over the limit of ${maxBytes} bytes (${mebibytes(maxBytes)}): check that the build copies the right file there, or raise the limit`);
}

/**
 * Refuses a tar entry that is not one plain file within the limit, naming what it is instead. The entry's
 * header is what the image says about the path itself (a link is never followed).
 */
export function checkEntry(header: tarStream.Headers, where: string, maxBytes: number): void {
  switch (header.type ?? "file") {
    case "file":
    case "contiguous-file":
      break;
    case "directory":
      throw new ImageFileError("directory", `${where} is a directory, not a file: copy the unikernel file itself to that path (e.g. COPY dist/www.hvt /unikernel.hvt)`);
    case "symlink":
      throw new ImageFileError("link", `${where} is a symbolic link (to ${header.linkname ?? "?"}), not a file: copy the file itself to that path, not a link to it`);
    case "link":
      throw new ImageFileError("link", `${where} is a hard link (to /${header.linkname ?? "?"}), not a file: copy the file itself to that path, not a link to it`);
    default:
      throw new ImageFileError("not_regular", `${where} is a ${header.type}, not a regular file: copy the unikernel file to that path`);
  }
  if (header.size !== undefined && header.size > maxBytes) throw tooLarge(where, header.size, maxBytes);
}

/** Passes bytes through while counting, hashing, checking the limit and the first four bytes. */
class FileCheck extends Transform {
  readonly hash = createHash("sha256");
  size = 0;
  private head = Buffer.alloc(0);

  constructor(private readonly opts: SaveOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.opts.maxBytes) return done(tooLarge(this.opts.where, "more", this.opts.maxBytes));
    if (this.opts.requireElf && this.head.length < 4) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, 4 - this.head.length)]);
      if (this.head.length === 4 && !this.head.equals(ELF_MAGIC)) return done(notElf(this.opts.where, this.head));
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.opts.requireElf && this.head.length < 4) return done(notElf(this.opts.where, this.head));
    done();
  }
}

function notElf(where: string, head: Buffer): ImageFileError {
  const shown = head.length === 0 ? "it is empty" : `it starts with ${[...head].map((b) => b.toString(16).padStart(2, "0")).join(" ")}`;
  return new ImageFileError("not_elf", `${where} is not an ELF executable (${shown}): a unikernel built for solo5 or Xen is an ELF file; check that the build copies its output there`);
}

function normalizeSha256(value: string): string {
  return value.trim().toLowerCase().replace(/^sha256:/, "");
}

/** An ImageFile for a saved file, with its verifySha256. */
export function imageFile(file: string, size: number, sha256: string, where: string): ImageFile {
  return {
    path: file,
    size,
    sha256,
    verifySha256(expected: string) {
      const want = normalizeSha256(expected);
      if (!/^[0-9a-f]{64}$/.test(want)) throw new ImageFileError("sha256_mismatch", `"${expected}" is not a sha256 digest (64 hex digits, optionally after sha256:)`);
      if (want !== sha256) {
        throw new ImageFileError(
          "sha256_mismatch",
          `${where} has sha256 ${sha256}, but the release says ${want}: the image changed after the build (a tag moved, or the registry holds different bytes); rebuild, or deploy by digest`,
        );
      }
    },
  };
}

/**
 * Streams one entry's bytes to `destination` through a temporary file beside it (renamed into place when
 * whole and checked; removed on any failure). Returns the saved file.
 */
export async function saveEntry(entry: Readable, destination: string, opts: SaveOptions): Promise<ImageFile> {
  const temporary = path.join(path.dirname(destination), `.${path.basename(destination)}.tmp-${randomBytes(6).toString("hex")}`);
  const check = new FileCheck(opts);
  try {
    await pipeline(entry, check, createWriteStream(temporary, { flags: "wx", mode: 0o644 }), { signal: opts.signal });
    await fs.rename(temporary, destination);
  } catch (err) {
    await fs.rm(temporary, { force: true });
    throw err;
  }
  return imageFile(destination, check.size, check.hash.digest("hex"), opts.where);
}

/** A tar entry's path without "./" or "/" in front and without a trailing "/". */
export function entryPath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/** how long a visit may take to tidy up after the archive ended, failed or was aborted */
const TIDY_MS = 5_000;

export type EntryVisitor = (header: tarStream.Headers, stream: Readable) => Promise<"stop" | void>;

/**
 * Reads a tar stream entry by entry. `visit` may read the entry's stream (an entry it leaves alone is skipped);
 * when it answers "stop", reading ends there and `source` is destroyed. Rejects on a damaged archive, when
 * `visit` rejects, or when `signal` aborts.
 */
export function readTar(source: Readable, visit: EntryVisitor, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const extract = tarStream.extract();
    let settled = false;
    // the visit of the latest entry: its stream may have ended (so the archive moved on) before it is done
    let visiting: Promise<void> = Promise.resolve();
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      source.unpipe(extract);
      source.destroy();
      extract.destroy();
      const done = () => (err === undefined ? resolve() : reject(err instanceof Error ? err : new Error(String(err))));
      // let a visit in progress tidy up (remove its partial file) before the caller hears of the end
      void Promise.race([visiting, new Promise((r) => setTimeout(r, TIDY_MS).unref())]).then(done);
    };
    const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });

    extract.on("entry", (header: tarStream.Headers, stream: Readable, next: (err?: unknown) => void) => {
      stream.on("end", () => next());
      stream.on("error", (err) => finish(err));
      visiting = visit(header, stream).then(
        (answer) => {
          if (answer === "stop") return finish();
          // skipped (or read): let the archive move on to the next entry
          stream.resume();
        },
        (err: unknown) => finish(err),
      );
    });
    // the end of the archive: once the last visit is done (it may still be saving, or about to fail)
    extract.on("finish", () => void visiting.then(() => finish()));
    extract.on("error", (err: Error) => finish(new ImageFileError("unsupported", `the archive is not a readable tar stream (${err.message})`, { cause: err })));
    source.on("error", (err) => finish(err));
    source.pipe(extract);
  });
}
