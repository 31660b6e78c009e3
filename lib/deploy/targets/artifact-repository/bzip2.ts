// Compresses a kernel with the worker's bzip2 (installed by scripts/setup.sh), as the hosts that pull an
// artifact repository expect it: the program with an argument array, no shell, the files as its standard
// input and output. bzip2 writes no names or dates into its output, so the same kernel compresses to the
// same bytes and a release committed twice is the same blob in git.
import { spawn } from "node:child_process";
import fs from "node:fs/promises";

const BZIP2_TIMEOUT_MS = 600_000;

/** Writes `source` compressed to `destination` (which must not exist); returns its size in bytes. */
export async function bzip2File(source: string, destination: string, signal: AbortSignal): Promise<number> {
  signal.throwIfAborted();
  const input = await fs.open(source, "r");
  let output: fs.FileHandle | undefined;
  try {
    output = await fs.open(destination, "wx", 0o600);
    const stdout = output.fd;
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bzip2", ["--compress", "--stdout", "--best"], { stdio: [input.fd, stdout, "pipe"], shell: false, signal, timeout: BZIP2_TIMEOUT_MS, killSignal: "SIGKILL" });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        if (stderr.length < 4096) stderr += d.toString();
      });
      child.once("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") reject(new Error("bzip2 is not installed on this worker: install it (apt-get install bzip2, as scripts/setup.sh does)"));
        else if (err.name === "AbortError") reject(signal.reason instanceof Error ? signal.reason : err);
        else reject(new Error(`bzip2 could not run on this worker: ${err.message}`));
      });
      child.once("close", (code, killed) => {
        if (code === 0) return resolve();
        if (signal.aborted) return; // the "error" event has said so
        reject(new Error(`bzip2 failed on this worker (${killed ? `killed by ${killed}, after ${BZIP2_TIMEOUT_MS / 1000} s at most` : `exit status ${code}`})${stderr.trim() ? `: ${stderr.trim()}` : ""}; check the worker's temporary directory and disk space`));
      });
    });
    return (await output.stat()).size;
  } catch (err) {
    if (output) {
      await output.close();
      output = undefined;
      await fs.rm(destination, { force: true });
    }
    throw err;
  } finally {
    await output?.close();
    await input.close();
  }
}
