// Over a log that passed SLIPWAY_LOG_MAX_MB: says where it was cut (the log's own last line says the same).
import { Notice } from "@/components/ui/notice";

const MIB = 1024 * 1024;

/** `logBytes` is what was stored: the cap (the log keeps whole lines up to it) and the notice line. */
export function LogCutNotice({ logBytes }: { logBytes: number }) {
  return (
    <Notice tone="warning" role="status" className="mb-5">
      The log was cut at {Math.max(1, Math.round(logBytes / MIB))} MB (SLIPWAY_LOG_MAX_MB): the rest of the output was not stored. An admin can raise the
      setting for the next run.
    </Notice>
  );
}
