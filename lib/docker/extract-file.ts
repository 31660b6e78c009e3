// The build side of a unikernel: after `docker build`, take the kernel file out of the built image through the
// Engine API (a container created from the image and never started, its path read as a tar archive), checked
// and hashed while it streams to a local file. The container is always removed.
import type Dockerode from "dockerode";
import type { Readable } from "node:stream";
import { settleOnAbort } from "@/lib/docker/abort";
import { checkEntry, entryPath, ImageFileError, readTar, saveEntry, type ImageFile } from "@/lib/docker/image-file";
import { log } from "@/lib/log";

export interface ExtractImageFileInput {
  /** a local image: name[:tag] or id */
  image: string;
  /** absolute path inside the image, e.g. /unikernel.hvt */
  path: string;
  /** local file to write (replaced when it exists) */
  destination: string;
  maxBytes: number;
  /** refuse a file that is not ELF (default true: unikernels are) */
  requireElf?: boolean;
  signal: AbortSignal;
  /** for the whole extraction (default 5 min) */
  timeoutMs?: number;
}

export const EXTRACT_TIMEOUT_MS = 300_000;
/** removing the container is bounded on its own: it runs even after the caller's signal aborted */
const REMOVE_TIMEOUT_MS = 15_000;

/** Engine errors (docker-modem puts the HTTP status and the daemon's message on them). */
function engineError(err: unknown): { statusCode?: number; message: string } {
  const e = err as { statusCode?: number; json?: { message?: string } | null; message?: string } | null;
  return { statusCode: e?.statusCode, message: (e?.json && typeof e.json === "object" && e.json.message) || e?.message || String(err) };
}

/**
 * Extracts one regular file from a local image into `destination` and returns its size and sha256. Rejects
 * with ImageFileError when the path is missing, a directory, a link, over `maxBytes` or (by default) not ELF,
 * and when the image is not on the engine; with the signal's reason when aborted.
 */
export async function extractImageFile(docker: Dockerode, input: ExtractImageFileInput): Promise<ImageFile> {
  if (!input.path.startsWith("/")) throw new ImageFileError("missing", `the path in the image must be absolute, such as /unikernel.hvt (got "${input.path}")`);
  const where = `${input.path} in ${input.image}`;
  const timeoutMs = input.timeoutMs ?? EXTRACT_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([input.signal, deadline]);
  const timedOut = () =>
    deadline.aborted && !input.signal.aborted
      ? new ImageFileError("unavailable", `taking ${where} out of the image did not finish within ${Math.round(timeoutMs / 1000)} s: check that the build engine is not overloaded`)
      : undefined;

  let container: Dockerode.Container;
  try {
    // never started: the image needs no command of its own (a FROM scratch image has none), so give a dummy one
    container = await settleOnAbort(
      docker.createContainer({
        Image: input.image,
        Cmd: ["/nonexistent"],
        NetworkDisabled: true,
        HostConfig: { NetworkMode: "none" },
        Labels: { "org.slipway.purpose": "extract-file" },
        abortSignal: signal,
      } as Dockerode.ContainerCreateOptions),
      signal,
    );
  } catch (err) {
    const t = timedOut();
    if (t) throw t;
    if (signal.aborted) throw err;
    const e = engineError(err);
    if (e.statusCode === 404) throw new ImageFileError("unavailable", `the image ${input.image} is not on the build engine (${e.message}): build or pull it first`, { cause: err });
    throw new ImageFileError("unavailable", `the build engine could not create a container from ${input.image} to read ${input.path}: ${e.message}`, { cause: err });
  }

  try {
    let archive: Readable;
    try {
      archive = (await settleOnAbort(container.getArchive({ path: input.path, abortSignal: signal } as { path: string }), signal)) as unknown as Readable;
    } catch (err) {
      if (signal.aborted) throw err;
      const e = engineError(err);
      if (e.statusCode === 404) {
        throw new ImageFileError("missing", `${input.image} has no ${input.path}: check that the Dockerfile's last stage copies the unikernel there`, { cause: err });
      }
      throw new ImageFileError("unavailable", `the build engine could not read ${where}: ${e.message}`, { cause: err });
    }

    let saved: ImageFile | undefined;
    const wanted = entryPath(input.path.split("/").pop() ?? "");
    await readTar(
      archive,
      async (header, stream) => {
        // the archive of a path holds that path first, named by its last component
        if (entryPath(header.name) !== wanted) {
          throw new ImageFileError("unsupported", `the build engine's archive of ${where} starts with "${header.name}" instead of the file itself`);
        }
        checkEntry(header, where, input.maxBytes);
        saved = await saveEntry(stream, input.destination, { where, maxBytes: input.maxBytes, requireElf: input.requireElf ?? true, signal });
        return "stop";
      },
      signal,
    ).catch((err: unknown) => {
      throw timedOut() ?? err;
    });
    if (!saved) throw new ImageFileError("missing", `the build engine's archive of ${where} is empty`);
    return saved;
  } finally {
    await container
      .remove({ force: true, v: true, abortSignal: AbortSignal.timeout(REMOVE_TIMEOUT_MS) } as Dockerode.ContainerRemoveOptions)
      .catch((err: unknown) => {
        // the file is out (or the error that matters is already on its way): leave a trace, not a failure
        log.warn({ container: container.id, image: input.image, err: engineError(err).message }, "could not remove the container used to extract a file; remove it with docker rm");
      });
  }
}
