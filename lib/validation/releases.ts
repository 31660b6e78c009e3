// Releases, for the server and the browser alike: the id a release is asked for by, and the name its
// unikernel file is downloaded as.
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";

export const releaseIdInput = z.object({ releaseId: rowId });

/**
 * The file name a unikernel is downloaded as: `<service>-<commit12>.<target>` when every unikernel target of
 * the release's deployment rule runs the same service (e.g. www-0123456789ab.hvt), else the repository's
 * name (mirage/mirage-www → mirage-www-0123456789ab.hvt). Only letters, digits, '.', '_' and '-'.
 */
export function artifactDownloadName(r: { services: string[]; repository: string; commitSha: string; target: string }): string {
  const services = [...new Set(r.services)];
  const base = services.length === 1 ? services[0]! : (r.repository.replace(/\.git$/, "").split("/").pop() ?? "");
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+|-+$/g, "");
  return `${safe(base).slice(0, 64) || "unikernel"}-${safe(r.commitSha.slice(0, 12))}.${safe(r.target) || "bin"}`;
}
