// The audit log as CSV or JSON, streamed page by page so a million events never sit in memory.
import { iterateAuditEvents, type AuditEventView } from "@/lib/queries/audit";
import type { AuditFilter } from "@/lib/validation/audit";

export const csvColumns = ["id", "time", "actor_type", "actor_id", "actor", "action", "subject_type", "subject_id", "summary", "ip", "user_agent", "before", "after", "hash"] as const;

/** RFC 4180 field; also defuses spreadsheet formulas (=, +, -, @ at the start). */
export function csvField(value: string | null | undefined): string {
  let v = value ?? "";
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvRow(e: AuditEventView): string {
  return [
    e.id,
    e.createdAt.toISOString(),
    e.actorType,
    e.actorId,
    e.actorLabel,
    e.action,
    e.subjectType,
    e.subjectId,
    e.summary,
    e.ip,
    e.userAgent,
    e.before === null || e.before === undefined ? "" : JSON.stringify(e.before),
    e.after === null || e.after === undefined ? "" : JSON.stringify(e.after),
    e.hash,
  ]
    .map((f) => csvField(f))
    .join(",");
}

export function exportAuditEvents(filter: AuditFilter, format: "csv" | "json"): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const { before: _before, limit: _limit, ...rest } = filter;
  const events = iterateAuditEvents(rest);
  let first = true;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(enc.encode(format === "csv" ? `${csvColumns.join(",")}\r\n` : "[\n"));
      }
      let chunk = "";
      for (let i = 0; i < 200; i++) {
        const next = await events.next();
        if (next.done) {
          if (format === "json") chunk += "\n]\n";
          controller.enqueue(enc.encode(chunk));
          controller.close();
          return;
        }
        if (format === "csv") chunk += `${csvRow(next.value)}\r\n`;
        else {
          chunk += `${first ? "" : ",\n"}${JSON.stringify({ ...next.value, createdAt: next.value.createdAt.toISOString() })}`;
          first = false;
        }
      }
      controller.enqueue(enc.encode(chunk));
    },
    async cancel() {
      await events.return(undefined);
    },
  });
}
