// A busybox base image without any download: Debian's static /bin/busybox (busybox-static) with a few
// applet links, imported into a test dockerd and named in the test registry, so test Dockerfiles can
// `FROM 127.0.0.1:PORT/busybox` and RUN commands.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import tar from "tar-fs";

export const BUSYBOX = "/bin/busybox";
const APPLETS = ["sh", "sleep", "echo", "cat", "false", "true", "ls", "touch", "env"];

function drain(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on("data", () => undefined);
    stream.on("end", resolve);
    stream.on("error", reject);
  });
}

/** Imports busybox as `name` (e.g. 127.0.0.1:5000/busybox:latest) into the daemon; returns the name. */
export async function importBusybox(docker: Dockerode, name: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-busybox-"));
  try {
    mkdirSync(path.join(dir, "bin"));
    mkdirSync(path.join(dir, "tmp"));
    copyFileSync(BUSYBOX, path.join(dir, "bin", "busybox"));
    for (const a of APPLETS) symlinkSync("busybox", path.join(dir, "bin", a));
    const colon = name.lastIndexOf(":");
    const [repo, tag] = colon > name.lastIndexOf("/") ? [name.slice(0, colon), name.slice(colon + 1)] : [name, "latest"];
    const stream = (await docker.importImage(tar.pack(dir) as unknown as NodeJS.ReadableStream, { repo, tag })) as unknown as Readable;
    await drain(stream);
    return `${repo}:${tag}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
