// Reads Server-Sent Events off a response body as they arrive, for tests of the log event streams.

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Events in arrival order; comments (`: heartbeat`) and `retry:` lines are skipped. next() gives the next event,
 * or null once the stream has ended, and fails when none comes within its timeout.
 */
export function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const queue: SseEvent[] = [];
  let done = false;
  return {
    /** the next event, or null when the stream ended; fails after timeoutMs */
    async next(timeoutMs = 10_000): Promise<SseEvent | null> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0 && !done) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no event in time");
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((res) => (timer = setTimeout(() => res("late"), left)));
        const r = await Promise.race([reader.read(), late]).finally(() => clearTimeout(timer));
        if (r === "late") throw new Error("no event in time");
        if (r.done) {
          done = true;
          break;
        }
        buf += decoder.decode(r.value, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const e: SseEvent = { event: "message", data: "" };
          let fields = 0;
          for (const line of block.split("\n")) {
            if (line.startsWith(":") || line.startsWith("retry:")) continue;
            const [field, ...rest] = line.split(":");
            const value = rest.join(":").replace(/^ /, "");
            if (field === "event") e.event = value;
            else if (field === "id") e.id = value;
            else if (field === "data") e.data += value;
            fields++;
          }
          if (fields > 0) queue.push(e);
        }
      }
      return queue.shift() ?? null;
    },
    cancel: () => reader.cancel(),
  };
}
