// Short forms of long identifiers; the full value always goes in a title or a copyable cell.
import { visibleText } from "@/components/format/visible-text";

/** A git commit: the first 7 characters, as git shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** "sha256:0123456789abcdef…" → "sha256:0123456789ab" */
export function shortDigest(digest: string): string {
  const [algo, hex] = digest.includes(":") ? digest.split(":", 2) : ["", digest];
  return `${algo ? `${algo}:` : ""}${(hex ?? "").slice(0, 12)}`;
}

/** The first line of a commit message (its title), control characters shown as escapes (visibleText). */
export function firstLine(text: string | null | undefined): string {
  return visibleText((text ?? "").split("\n", 1)[0]?.trim() ?? "");
}
