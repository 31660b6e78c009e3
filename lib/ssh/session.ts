// Work on a registered host over ONE SSH connection (pinned host keys, lib/ssh/connect.ts): run commands built
// by remoteCommand, upload files atomically (temporary name beside the target, then a rename), and read small
// things over SFTP. Every call has a deadline and honours an AbortSignal; failures are SshErrors in words.
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import type { Readable } from "node:stream";
import type ssh2 from "ssh2";
import { settleOnAbort } from "@/lib/docker/abort";
import { openSsh, type SshTarget } from "@/lib/ssh/connect";
import { endpoint, SshError, type SshErrorKind } from "@/lib/ssh/errors";
import { seconds } from "@/lib/seconds";
import { remoteCommand } from "@/lib/ssh/quote";

export interface CallOptions {
  /**
   * Aborting it ends the call and rejects with kind "aborted". A running command is sent SIGKILL and its
   * channel closed; OpenSSH delivers signals only to sessions of non-root users (for root it refuses them),
   * so a root command that neither reads stdin nor writes output may run on after the call has ended.
   */
  signal?: AbortSignal;
  /** the call's deadline; each call has a default (exec 60 s, upload 10 min, the others 15 s) */
  timeoutMs?: number;
}

export interface ExecOptions extends CallOptions {
  /** written to the command's standard input, which is then closed (it is closed at once without it) */
  stdin?: string | Buffer;
  /** per stream; what comes after is dropped and the result says so (default 1 MiB) */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** the exit status; null when the command was ended by a signal (then `signal` names it) */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

export interface UploadOptions extends CallOptions {
  /** permission bits of the uploaded file, e.g. 0o644 (default) */
  mode?: number;
}

export interface UploadResult {
  remotePath: string;
  bytes: number;
  /** of the bytes sent, hex */
  sha256: string;
}

export type RemoteFileType = "file" | "directory" | "symlink" | "other";

export interface RemoteStat {
  type: RemoteFileType;
  size: number;
  /** permission bits (mode & 0o7777) */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

export interface SshSession {
  /** user@host:port, as messages name it */
  readonly target: string;
  /** Runs argv (quoted by remoteCommand) and collects its output; a non-zero exit is a result, not an error. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Streams `source` to `<dir>/.<name>.tmp-<random>` beside `remotePath`, syncs it where the server can, sets
   * its mode and renames it over `remotePath` (posix-rename@openssh.com, atomic; plain SFTP rename elsewhere).
   * On failure or abort the temporary file is removed and `source` is destroyed.
   */
  upload(source: Readable | Buffer, remotePath: string, opts?: UploadOptions): Promise<UploadResult>;
  /** The target of a symbolic link; null when nothing is at `remotePath`. */
  readlink(remotePath: string, opts?: CallOptions): Promise<string | null>;
  /** What is at `remotePath` (the link itself for a symlink, unless `follow`); null when nothing is. */
  stat(remotePath: string, opts?: CallOptions & { follow?: boolean }): Promise<RemoteStat | null>;
  /** A small file's content, at most `maxBytes` (larger files are refused); null when it does not exist. */
  readFile(remotePath: string, opts: CallOptions & { maxBytes: number }): Promise<Buffer | null>;
  /** Makes `linkPath` a symbolic link to `linkTarget` (it must not exist yet). */
  symlink(linkTarget: string, linkPath: string, opts?: CallOptions): Promise<void>;
  /** Renames `from` over `to` (atomically where the server offers posix-rename@openssh.com). */
  replace(from: string, to: string, opts?: CallOptions): Promise<void>;
  /** The entries of a directory (without . and ..); null when it does not exist. */
  readdir(dir: string, opts?: CallOptions): Promise<Array<{ name: string; type: RemoteFileType; mtime: Date }> | null>;
  /** Ends the connection; calls still running fail with kind "closed". */
  close(): void;
}

export const EXEC_TIMEOUT_MS = 60_000;
export const UPLOAD_TIMEOUT_MS = 600_000;
export const SFTP_TIMEOUT_MS = 15_000;
export const MAX_OUTPUT_BYTES = 1024 * 1024;
/** how long a failed or aborted call may take to clean up (close a channel, remove a temporary file) */
const CLEANUP_MS = 5_000;
/** SFTP writes in flight at once during an upload */
const WRITES_IN_FLIGHT = 8;

// SFTP status codes (draft-ietf-secsh-filexfer-02 §7), as ssh2 puts them in `err.code`
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

function sftpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function isMissing(err: unknown): boolean {
  return sftpCode(err) === SFTP_NO_SUCH_FILE;
}

function quoteForMessage(argv: readonly string[]): string {
  const text = argv.join(" ");
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function checkRemotePath(remotePath: string): void {
  if (!remotePath.startsWith("/")) throw new SshError("protocol", `the remote path "${remotePath}" is relative; give an absolute path such as /var/unikernels/www/current`);
  if (remotePath.includes("\0")) throw new SshError("protocol", "the remote path contains a NUL byte; give a plain absolute path");
}

function fileType(s: ssh2.Stats): RemoteFileType {
  if (s.isSymbolicLink()) return "symlink";
  if (s.isDirectory()) return "directory";
  if (s.isFile()) return "file";
  return "other";
}

/**
 * Asks the server to send `name` to the command (RFC 4254 §6.9; OpenSSH delivers it to the session's process).
 * ssh2's channel.signal() sends nothing once our side of the channel is ended, which it is as soon as stdin is
 * closed, though the protocol allows the request then: so the request goes through ssh2's protocol object.
 */
function sendSignal(channel: ssh2.ClientChannel, name: string): void {
  const internals = channel as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, name: string): void } } };
  try {
    const state = internals.outgoing?.state;
    if (internals.outgoing && (state === "open" || state === "eof")) internals._client?._protocol?.signal(internals.outgoing.id, name);
  } catch {
    // the channel is closing anyway: closing it below ends the session
  }
}

class Session implements SshSession {
  readonly target: string;
  private sftpChannel: Promise<ssh2.SFTPWrapper> | undefined;
  private closed = false;
  /** aborted when the connection ends */
  private readonly lost = new AbortController();

  constructor(
    private readonly client: ssh2.Client,
    private readonly host: SshTarget,
  ) {
    this.target = `${host.user}@${endpoint(host.address, host.port)}`;
    client.on("close", () => this.lost.abort());
    client.on("error", () => this.lost.abort());
  }

  close(): void {
    this.closed = true;
    this.client.end();
    this.lost.abort();
  }

  /**
   * Runs `work` with a signal that aborts on the caller's signal, the deadline, or the connection's end; the
   * call then rejects with an SshError saying which, after `work` had up to CLEANUP_MS to tidy up.
   */
  private async bounded<T>(what: string, opts: CallOptions, defaultTimeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signals = [deadline, this.lost.signal, ...(opts.signal ? [opts.signal] : [])];
    const signal = AbortSignal.any(signals);
    const why = (): SshError => {
      if (opts.signal?.aborted) return new SshError("aborted", `${what} on ${this.target} was cancelled.`, { cause: opts.signal.reason });
      if (this.lost.signal.aborted) {
        return this.closed
          ? new SshError("closed", `${what} on ${this.target} was stopped: the session was closed.`)
          : new SshError("closed", `The SSH connection to ${this.target} ended during ${what}. Check the host and the network, then try again.`);
      }
      return new SshError("timeout", `${what} on ${this.target} did not finish within ${seconds(timeoutMs)}. Check that the host is not overloaded and its disk answers, or allow more time.`);
    };
    if (signal.aborted) throw why();
    const running = work(signal);
    try {
      return await settleOnAbort(running, signal, why);
    } catch (err) {
      if (!signal.aborted) throw err;
      // let the work close its channel or remove its temporary file before the caller hears of the end
      await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, CLEANUP_MS).unref())]);
      throw why();
    }
  }

  private sftp(): Promise<ssh2.SFTPWrapper> {
    this.sftpChannel ??= new Promise<ssh2.SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => {
        if (err) {
          this.sftpChannel = undefined;
          return reject(new SshError("protocol", `${this.target} refused an SFTP session (${err.message}). Enable the sftp subsystem in its sshd_config (Subsystem sftp internal-sftp).`, { cause: err }));
        }
        resolve(sftp);
      });
    });
    return this.sftpChannel;
  }

  /** An SFTP failure in words: what could not be done, for whom, and what to change. */
  private sftpError(err: unknown, action: "read" | "write" | "rename" | "remove", remotePath: string): SshError {
    if (err instanceof SshError) return err;
    const dir = path.posix.dirname(remotePath);
    const user = this.host.user;
    const code = sftpCode(err);
    const message = err instanceof Error ? err.message : String(err);
    let kind: SshErrorKind = "remote_failure";
    let text: string;
    if (code === SFTP_PERMISSION_DENIED) {
      kind = "permission_denied";
      text =
        action === "read"
          ? `cannot read ${remotePath} on ${this.target}: permission denied for user ${user}; give that user read access to it (and search access to its directories)`
          : `cannot ${action} ${remotePath} on ${this.target}: permission denied for user ${user}; give that user write access to the directory ${dir}`;
    } else if (code === SFTP_NO_SUCH_FILE) {
      kind = "not_found";
      text =
        action === "write"
          ? `cannot write ${remotePath} on ${this.target}: the directory ${dir} does not exist; create it (mkdir -p ${dir}) and give user ${user} write access to it`
          : `cannot ${action} ${remotePath} on ${this.target}: it does not exist`;
    } else {
      text = `cannot ${action} ${remotePath} on ${this.target}: the SFTP server answered "${message}"; check the disk space and the file system on the host`;
    }
    return new SshError(kind, text, { cause: err });
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const command = remoteCommand(argv);
    const limit = opts.maxOutputBytes ?? MAX_OUTPUT_BYTES;
    return this.bounded(`running \`${quoteForMessage(argv)}\``, opts, EXEC_TIMEOUT_MS, (signal) =>
      new Promise<ExecResult>((resolve, reject) => {
        this.client.exec(command, (err, channel) => {
          if (err) return reject(new SshError("protocol", `${this.target} refused to run \`${quoteForMessage(argv)}\`: ${err.message}.`, { cause: err }));
          const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], stdoutBytes: 0, stderrBytes: 0, stdoutTruncated: false, stderrTruncated: false };
          const collect = (which: "stdout" | "stderr") => (chunk: Buffer) => {
            const room = limit - out[`${which}Bytes`];
            if (chunk.length > room) out[`${which}Truncated`] = true;
            if (room <= 0) return;
            const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
            out[which].push(part);
            out[`${which}Bytes`] += part.length;
          };
          let code: number | null = null;
          let exitSignal: string | undefined;
          const onAbort = () => {
            sendSignal(channel, "KILL");
            channel.close();
            // done here: sshd closes the channel only when the command has ended, which may be much later
            reject(new Error("aborted"));
          };
          signal.addEventListener("abort", onAbort, { once: true });
          channel.on("data", collect("stdout"));
          channel.stderr.on("data", collect("stderr"));
          channel.on("exit", (c: number | null, s?: string) => {
            code = c;
            exitSignal = s ?? undefined;
          });
          channel.on("close", () => {
            signal.removeEventListener("abort", onAbort);
            resolve({
              code,
              ...(exitSignal ? { signal: exitSignal } : {}),
              stdout: Buffer.concat(out.stdout).toString("utf8"),
              stderr: Buffer.concat(out.stderr).toString("utf8"),
              stdoutTruncated: out.stdoutTruncated,
              stderrTruncated: out.stderrTruncated,
            });
          });
          if (opts.stdin !== undefined) channel.end(opts.stdin);
          else channel.end();
        });
      }),
    );
  }

  /** One SFTP request as a promise. */
  private request<T>(start: (sftp: ssh2.SFTPWrapper, cb: (err: Error | undefined | null, value: T) => void) => void): Promise<T> {
    return this.sftp().then(
      (sftp) =>
        new Promise<T>((resolve, reject) => {
          try {
            start(sftp, (err, value) => (err ? reject(err) : resolve(value)));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        }),
    );
  }

  async upload(source: Readable | Buffer, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
    checkRemotePath(remotePath);
    const name = path.posix.basename(remotePath);
    if (name === "" || name === "." || name === ".." || remotePath.endsWith("/")) {
      throw new SshError("protocol", `the remote path "${remotePath}" names a directory; give the file's path, such as /var/unikernels/www/current`);
    }
    const dir = path.posix.dirname(remotePath);
    const temporary = path.posix.join(dir, `.${name}.tmp-${randomBytes(6).toString("hex")}`);
    const mode = opts.mode ?? 0o644;
    const stream = Buffer.isBuffer(source) ? undefined : source;

    return this.bounded(`uploading ${remotePath}`, opts, UPLOAD_TIMEOUT_MS, async (signal) => {
      let handle: Buffer | undefined;
      let created = false;
      try {
        handle = await this.request<Buffer>((sftp, cb) => sftp.open(temporary, "wx", { mode: 0o600 }, cb)).catch((err: unknown) => {
          throw this.sftpError(err, "write", remotePath);
        });
        created = true;
        const hash = createHash("sha256");
        let position = 0;
        let failed: unknown;
        const inFlight = new Set<Promise<void>>();
        const write = (chunk: Buffer) => {
          const at = position;
          position += chunk.length;
          hash.update(chunk);
          const p: Promise<void> = this.request<void>((sftp, cb) => sftp.write(handle!, chunk, 0, chunk.length, at, (err) => cb(err, undefined)))
            .catch((err: unknown) => {
              failed ??= err;
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        };
        if (stream) {
          const chunks = stream[Symbol.asyncIterator]();
          for (;;) {
            const next = await settleOnAbort(chunks.next() as Promise<IteratorResult<unknown>>, signal);
            if (next.done) break;
            const value = next.value;
            write(Buffer.isBuffer(value) ? value : Buffer.from(value as string));
            if (inFlight.size >= WRITES_IN_FLIGHT) await settleOnAbort(Promise.race(inFlight), signal);
            if (failed !== undefined) break;
            signal.throwIfAborted();
          }
        } else {
          write(source as Buffer);
        }
        await settleOnAbort(Promise.all(inFlight), signal);
        if (failed !== undefined) throw this.sftpError(failed, "write", remotePath);
        signal.throwIfAborted();

        const sftp = await this.sftp();
        // fsync@openssh.com, so that a crash after the rename does not leave an empty file behind it
        await new Promise<void>((resolve, reject) => {
          try {
            sftp.ext_openssh_fsync(handle!, (err) => (err ? reject(err) : resolve()));
          } catch {
            resolve(); // the server does not offer it
          }
        }).catch((err: unknown) => {
          throw this.sftpError(err, "write", remotePath);
        });
        await this.request<void>((s, cb) => s.fchmod(handle!, mode, (err) => cb(err, undefined))).catch((err: unknown) => {
          throw this.sftpError(err, "write", remotePath);
        });
        const open = handle;
        handle = undefined;
        await this.request<void>((s, cb) => s.close(open, (err) => cb(err, undefined))).catch((err: unknown) => {
          throw this.sftpError(err, "write", remotePath);
        });
        signal.throwIfAborted();
        await this.rename(sftp, temporary, remotePath);
        created = false;
        return { remotePath, bytes: position, sha256: hash.digest("hex") };
      } catch (err) {
        stream?.destroy();
        await this.discard(handle, created ? temporary : undefined);
        throw err;
      }
    });
  }

  /** Moves the uploaded file into place: atomically where the server offers posix-rename@openssh.com. */
  private async rename(sftp: ssh2.SFTPWrapper, from: string, to: string): Promise<void> {
    const posixRename = await new Promise<boolean>((resolve, reject) => {
      try {
        sftp.ext_openssh_rename(from, to, (err) => (err ? reject(err) : resolve(true)));
      } catch {
        resolve(false); // the server does not offer it
      }
    }).catch((err: unknown) => {
      throw this.sftpError(err, "rename", to);
    });
    if (posixRename) return;
    // plain SFTP rename refuses an existing target: remove it first (not atomic: servers without the
    // OpenSSH extension leave a moment with no file)
    await this.request<void>((s, cb) => s.unlink(to, (err) => cb(err, undefined))).catch((err: unknown) => {
      if (!isMissing(err)) throw this.sftpError(err, "remove", to);
    });
    await this.request<void>((s, cb) => s.rename(from, to, (err) => cb(err, undefined))).catch((err: unknown) => {
      throw this.sftpError(err, "rename", to);
    });
  }

  /** After a failed upload: closes the handle and removes the temporary file, within CLEANUP_MS. */
  private async discard(handle: Buffer | undefined, temporary: string | undefined): Promise<void> {
    if (this.lost.signal.aborted) return; // the server closes handles with the connection; the file stays
    const tidy = async () => {
      if (handle) await this.request<void>((s, cb) => s.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
      if (temporary) await this.request<void>((s, cb) => s.unlink(temporary, (err) => cb(err, undefined))).catch(() => undefined);
    };
    await Promise.race([tidy(), new Promise((r) => setTimeout(r, CLEANUP_MS).unref())]);
  }

  async symlink(linkTarget: string, linkPath: string, opts: CallOptions = {}): Promise<void> {
    checkRemotePath(linkPath);
    if (linkTarget.includes("\0")) throw new SshError("remote_failure", "a link target cannot hold a NUL byte");
    return this.bounded(`making the link ${linkPath}`, opts, SFTP_TIMEOUT_MS, async () => {
      // ssh2 swaps the arguments for OpenSSH's server, whose order differs from the draft standard
      await this.request<void>((s, cb) => s.symlink(linkTarget, linkPath, (err) => cb(err, undefined))).catch((err: unknown) => {
        throw this.sftpError(err, "write", linkPath);
      });
    });
  }

  async replace(from: string, to: string, opts: CallOptions = {}): Promise<void> {
    checkRemotePath(from);
    checkRemotePath(to);
    return this.bounded(`renaming ${from} to ${to}`, opts, SFTP_TIMEOUT_MS, async () => this.rename(await this.sftp(), from, to));
  }

  async readdir(dir: string, opts: CallOptions = {}): Promise<Array<{ name: string; type: RemoteFileType; mtime: Date }> | null> {
    checkRemotePath(dir);
    return this.bounded(`listing ${dir}`, opts, SFTP_TIMEOUT_MS, async () => {
      try {
        const list = await this.request<ssh2.FileEntryWithStats[]>((s, cb) => s.readdir(dir, cb));
        return list.filter((e) => e.filename !== "." && e.filename !== "..").map((e) => ({ name: e.filename, type: fileType(e.attrs), mtime: new Date(e.attrs.mtime * 1000) }));
      } catch (err) {
        if (isMissing(err)) return null;
        throw this.sftpError(err, "read", dir);
      }
    });
  }

  async readlink(remotePath: string, opts: CallOptions = {}): Promise<string | null> {
    checkRemotePath(remotePath);
    return this.bounded(`reading the link ${remotePath}`, opts, SFTP_TIMEOUT_MS, async () => {
      try {
        return await this.request<string>((s, cb) => s.readlink(remotePath, cb));
      } catch (err) {
        if (isMissing(err)) return null;
        const what = await this.request<ssh2.Stats>((s, cb) => s.lstat(remotePath, cb)).catch(() => undefined);
        if (what && !what.isSymbolicLink()) {
          throw new SshError("remote_failure", `${remotePath} on ${this.target} is a ${fileType(what)}, not a symbolic link; remove it or point Slipway at the link`);
        }
        throw this.sftpError(err, "read", remotePath);
      }
    });
  }

  async stat(remotePath: string, opts: CallOptions & { follow?: boolean } = {}): Promise<RemoteStat | null> {
    checkRemotePath(remotePath);
    return this.bounded(`looking at ${remotePath}`, opts, SFTP_TIMEOUT_MS, async () => {
      try {
        const s = await this.request<ssh2.Stats>((sftp, cb) => (opts.follow ? sftp.stat(remotePath, cb) : sftp.lstat(remotePath, cb)));
        return { type: fileType(s), size: s.size, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: new Date(s.mtime * 1000) };
      } catch (err) {
        if (isMissing(err)) return null;
        throw this.sftpError(err, "read", remotePath);
      }
    });
  }

  async readFile(remotePath: string, opts: CallOptions & { maxBytes: number }): Promise<Buffer | null> {
    checkRemotePath(remotePath);
    const { maxBytes } = opts;
    const tooLarge = (size: number) =>
      new SshError("too_large", `${remotePath} on ${this.target} is ${size > maxBytes ? `${size} bytes` : "larger than expected"}, more than the ${maxBytes} bytes Slipway reads from it; check that the path names the small file meant`);
    return this.bounded(`reading ${remotePath}`, opts, SFTP_TIMEOUT_MS, async (signal) => {
      let handle: Buffer;
      try {
        handle = await this.request<Buffer>((s, cb) => s.open(remotePath, "r", cb));
      } catch (err) {
        if (isMissing(err)) return null;
        throw this.sftpError(err, "read", remotePath);
      }
      try {
        const info = await this.request<ssh2.Stats>((s, cb) => s.fstat(handle, cb));
        if (!info.isFile()) throw new SshError("remote_failure", `${remotePath} on ${this.target} is a ${fileType(info)}, not a file`);
        if (info.size > maxBytes) throw tooLarge(info.size);
        const parts: Buffer[] = [];
        let total = 0;
        // one byte more than allowed tells a file that grew since fstat
        while (total <= maxBytes) {
          signal.throwIfAborted();
          const want = Math.min(64 * 1024, maxBytes + 1 - total);
          const buf = Buffer.alloc(want);
          const n = await this.request<number>((s, cb) => s.read(handle, buf, 0, want, total, (err, bytesRead) => cb(err, bytesRead))).catch((err: unknown) => {
            // ssh2 reports the end of the file as an EOF status
            if (sftpCode(err) === 1) return 0;
            throw this.sftpError(err, "read", remotePath);
          });
          if (n === 0) break;
          parts.push(buf.subarray(0, n));
          total += n;
        }
        if (total > maxBytes) throw tooLarge(total);
        return Buffer.concat(parts);
      } finally {
        await this.request<void>((s, cb) => s.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
      }
    });
  }
}

/**
 * Opens one SSH connection to a host with pinned keys (see openSsh: a changed host key is refused before any
 * login) and returns the calls that share it. Call `close()` when done.
 */
export async function openSshSession(target: SshTarget & { signal?: AbortSignal }): Promise<SshSession> {
  const client = await openSsh(target);
  return new Session(client, target);
}
