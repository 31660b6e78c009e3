// Whether a worker process is alive: connected (heartbeat within 45 s), stopped (shut down), or gone.
import { Badge, type BadgeTone } from "@/components/ui/badge";

export type WorkerStatusName = "connected" | "stopped" | "gone";

const looks: Record<WorkerStatusName, { label: string; tone: BadgeTone; help: string }> = {
  connected: { label: "Connected", tone: "emerald", help: "heartbeat in the last 45 seconds" },
  stopped: { label: "Stopped", tone: "zinc", help: "shut down cleanly" },
  gone: { label: "Gone", tone: "amber", help: "no heartbeat for more than 45 seconds, and it did not say it was stopping: killed, crashed or cut off" },
};

export function WorkerStatusBadge({ status }: { status: WorkerStatusName }) {
  const l = looks[status];
  return (
    <Badge tone={l.tone} pulse={status === "connected"} title={l.help}>
      {l.label}
    </Badge>
  );
}
