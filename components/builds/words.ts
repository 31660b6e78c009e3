// A build's state in a sentence, for its page: what is happening, or why it ended as it did. Reasons are
// stored as lower-case phrases ("cancelled by alice", "superseded: main moved on to 0a1b2c…").
import type { BuildStateName } from "@/components/status/state-badges";

/** "cancelled by alice" → "Cancelled by alice." */
function sentence(text: string): string {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
}

/** The reason, led by the state's word unless it already starts with it. */
function because(word: string, reason: string): string {
  return reason.toLowerCase().startsWith(word.toLowerCase()) ? sentence(reason) : sentence(`${word}: ${reason}`);
}

export function buildStateSentence(b: {
  state: BuildStateName;
  reason: string | null;
  dockerContext: { name: string } | null;
  cancelRequestedAt: Date | null;
  releases: number;
}): string {
  const on = b.dockerContext ? ` on ${b.dockerContext.name}` : "";
  const cancelling = b.cancelRequestedAt ? ` Cancel requested${b.reason ? ` (${b.reason})` : ""}: the build host is stopping the build.` : "";
  switch (b.state) {
    case "queued":
      return `Waiting for a worker and a free build host.${b.reason ? ` ${sentence(b.reason)}` : ""}`;
    case "fetching":
      return `Fetching the commit${on}.${cancelling}`;
    case "building":
      return `Building${on}.${cancelling}`;
    case "pushing":
      return `Pushing the image to the registry${on}.${cancelling}`;
    case "succeeded":
      return b.releases
        ? `Built and pushed: ${b.releases === 1 ? "one release" : `${b.releases} releases`}, below.`
        : "Built. No deployment rule publishes these branches, so nothing was pushed.";
    case "failed":
      return b.reason ? because("Failed", b.reason) : "Failed; the log below says why.";
    case "cancelled":
      return b.reason ? because("Cancelled", b.reason) : "Cancelled before it finished.";
    case "superseded":
      return b.reason ? because("Superseded", b.reason) : "Superseded: a newer push to the same branch replaced it.";
  }
}
