// A release's unikernel file over HTTP (GET /api/releases/<id>/artifact): fetched from the registry and
// checked against the release's sha256 (lib/services/releases/artifact.ts) into a private temporary
// directory, then streamed to the browser as an attachment with its length and sha256. The file is opened
// and then deleted before the first byte is sent: the open handle keeps it readable, and nothing is left
// behind however the download ends.
import "server-only";
import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type { Actor } from "@/lib/auth/actor";
import { fetchReleaseArtifact } from "@/lib/services/releases/artifact";

export async function releaseArtifactDownload(actor: Actor, releaseId: string, signal: AbortSignal): Promise<Response> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-download-"));
  let file: Awaited<ReturnType<typeof fetchReleaseArtifact>>;
  let handle: FileHandle;
  try {
    file = await fetchReleaseArtifact(actor, { releaseId }, { directory: dir, signal });
    handle = await open(file.path, "r");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const body = Readable.toWeb(handle.createReadStream({ autoClose: true })) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": "application/octet-stream",
      // the name is letters, digits, '.', '_' and '-' only (artifactDownloadName): no quoting to get wrong
      "Content-Disposition": `attachment; filename="${file.fileName}"`,
      "Content-Length": String(file.size),
      "X-Checksum-Sha256": file.sha256,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-store",
    },
  });
}
