// Pulling the image a compose service is switched to, through the engine, with the registry's credentials.
import type Dockerode from "dockerode";
import type { Readable } from "node:stream";
import { readLines } from "@/lib/build/docker";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { ComposeError, shortId } from "@/lib/deploy/targets/compose/containers";
import { engineMessage } from "@/lib/docker/failure";

/** A reference without tag and digest would make the engine pull every tag of the repository. */
function withTagOrDigest(image: string): string {
  if (image.includes("@")) return image;
  const lastSlash = image.lastIndexOf("/");
  return image.slice(lastSlash + 1).includes(":") ? image : `${image}:latest`;
}

interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Pulls the image (the stream read to its end; an error event in it is a failure); returns the image id. */
export async function pullImage(docker: Dockerode, image: string, auth: RegistryAuth | undefined, signal: AbortSignal, log: (line: string) => void): Promise<string> {
  log(`Pulling ${image}${auth ? ` as ${auth.username}` : ""}`);
  const ref = withTagOrDigest(image);
  let failed: string | undefined;
  try {
    // fromImage carries the whole reference: dockerode's pull() would split "repo:tag@digest" at the "@"
    // into fromImage=repo:tag and tag=sha256:…, which the engine reads differently
    const stream = (await docker.createImage(auth, { fromImage: ref, abortSignal: signal })) as unknown as Readable;
    await readLines(stream, signal, (line) => {
      if (!line.trim()) return;
      let e: PullEvent;
      try {
        e = JSON.parse(line) as PullEvent;
      } catch {
        return;
      }
      if (e.error) failed ??= e.errorDetail?.message ?? e.error;
      // per-layer progress is noise in a deployment log; the summary lines ("Digest: …", "Status: …") are not
      else if (e.status && !e.id?.match(/^[0-9a-f]{12}$/)) log(e.status);
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ComposeError(pullFailure(image, engineMessage(err), auth), "pull_failed", { cause: err });
  }
  if (failed) throw new ComposeError(pullFailure(image, failed, auth), "pull_failed", new Error(failed));
  try {
    const info = await docker.getImage(ref).inspect({ abortSignal: signal } as Dockerode.ImageInspectOptions);
    log(`Pulled ${image} (image ${shortId(info.Id)})`);
    return info.Id;
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ComposeError(`The engine reported pulling ${image} but cannot find it afterwards: ${engineMessage(err)}`, "pull_failed");
  }
}

function pullFailure(image: string, said: string, auth: RegistryAuth | undefined): string {
  let hint = "Check that the image was pushed and that the reference (tag and digest) is right.";
  if (/unauthorized|authentication required|no basic auth credentials|denied|401|403/i.test(said)) {
    hint = auth
      ? `The registry refused the credentials of ${auth.username} for ${auth.serveraddress}: check the registry's username and password under Registries.`
      : "The registry wants credentials: add them under Registries.";
  } else if (/connection refused|no such host|timeout|i\/o timeout|dial tcp/i.test(said)) {
    hint = "The engine could not reach the registry: check that it runs and that the deployment host can reach it.";
  }
  return `Pulling ${image} failed: ${said}. ${hint} No container was changed.`;
}
