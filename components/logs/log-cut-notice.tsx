// Over a log that passed SLIPWAY_LOG_MAX_MB, or that was cut because the log store's disk was full: says where
// and why it was cut (the log's own last line says the same, when there was room to store it).
import { Notice } from "@/components/ui/notice";

const MIB = 1024 * 1024;

/**
 * `logBytes` is what was stored: the cap (the log keeps whole lines up to it) and the notice line. `storeFull`:
 * the build's words when the log store ran out of disk space instead (lib/build/log-writer.ts LOG_STORE_FULL).
 */
export function LogCutNotice({ logBytes, storeFull }: { logBytes: number; storeFull?: string | null }) {
  if (storeFull) {
    return (
      <Notice tone="warning" role="status" className="mb-5">
        The log was cut: {storeFull}. An admin can free space on the database&apos;s disk; the next run logs normally.
      </Notice>
    );
  }
  return (
    <Notice tone="warning" role="status" className="mb-5">
      The log was cut at {Math.max(1, Math.round(logBytes / MIB))} MB (SLIPWAY_LOG_MAX_MB): the rest of the output was not stored. An admin can raise the
      setting for the next run.
    </Notice>
  );
}
