// A unikernel release's file: its target, its path in the image, its size and sha256 (copyable, wrapped),
// and the Download that streams it from the registry, checked against that sha256.
import type { ReleaseArtifact } from "@/lib/queries/release-detail";
import { Fact } from "@/components/ui/forms/panel";
import { CopyButton } from "@/components/ui/forms/copy-button";
import { Mono } from "@/components/ui/table";
import { unikernelTargetLabels } from "@/components/inventory/repos/words";
import { formatByteCount, formatBytes } from "@/components/format/bytes";

const muted = "text-zinc-500 dark:text-zinc-400";

/** A sha256 in full: wrapped anywhere (64 characters do not fit a narrow column), with a copy button. */
export function Sha256({ value, label }: { value: string; /** the copy button's accessible name */ label: string }) {
  return (
    <span className="flex items-start gap-2">
      <Mono small className="min-w-0 break-all" title={`sha256:${value}`}>
        {value}
      </Mono>
      <CopyButton text={value} label={label} className="shrink-0" />
    </span>
  );
}

export function ArtifactFacts({ releaseId, artifact }: { releaseId: string; artifact: ReleaseArtifact }) {
  return (
    <div className="space-y-5">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
        <Fact term="Target">{unikernelTargetLabels[artifact.target] ?? artifact.target}</Fact>
        <Fact term="Path in the image">
          <Mono className="break-all">{artifact.path}</Mono>
        </Fact>
        <Fact term="Size">
          {artifact.size !== null ? (
            <>
              {formatBytes(artifact.size)}
              <span className={`block text-xs ${muted}`}>{formatByteCount(artifact.size)}</span>
            </>
          ) : (
            <span className={muted}>not recorded</span>
          )}
        </Fact>
        <div className="col-span-2 lg:col-span-3">
          <Fact term="sha256">
            <Sha256 value={artifact.sha256} label={`Copy the sha256 ${artifact.sha256}`} />
          </Fact>
        </div>
      </dl>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-t border-zinc-200 pt-4 dark:border-zinc-800">
        <a href={`/api/releases/${encodeURIComponent(releaseId)}/artifact`} download={artifact.downloadName} className="btn-primary">
          <svg viewBox="0 0 16 16" className="size-4" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true" focusable="false">
            <path d="M8 2.5v8m0 0-3-3m3 3 3-3M3 12.5v1h10v-1" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          Download <span className="font-mono text-xs">{artifact.downloadName}</span>
        </a>
        <p className={`min-w-0 flex-1 text-xs ${muted}`}>Read from the registry and checked against this sha256 before a byte is sent.</p>
      </div>
    </div>
  );
}
