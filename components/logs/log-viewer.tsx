"use client";
// A build's or a deployment's log, live: reads /api/builds/:id/log or /api/deployments/:id/log (Server-Sent
// Events), follows the tail unless paused (Pause and Follow show only while the run goes on, not while it waits), marks the steps (classic builder "Step 2/7 :", BuildKit
// "#5 [2/3]", Slipway's "==> ") as headings with the time since the run started, and reconnects after a
// dropped connection, resuming after the last chunk it has. When the stream reports a new state, the page
// re-renders from the server.
import { isActiveBuildState } from "@/lib/validation/build-states";
import { isActiveDeploymentState } from "@/lib/validation/deployment-states";
import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { LiveDuration } from "@/components/builds/live-duration";

/** Lines kept on the page; the download has all of them. */
const MAX_LINES = 10_000;
const STEP = /^(?:Step \d+\/\d+ :|#\d+ \[|==> )/;
// colour and cursor escapes (CSI ... final byte) and window titles (OSC ... BEL)
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

interface LogLine {
  n: number;
  text: string;
  /** when its chunk was stored (ms) */
  at: number;
  step: boolean;
}

interface LogModel {
  lines: LogLine[];
  /** the last line, still without its newline */
  partial: { raw: string; at: number } | null;
  /** lines dropped from the top to stay under MAX_LINES */
  dropped: number;
  next: number;
}

interface StreamState {
  state: string;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

type Connection = "connecting" | "live" | "reconnecting" | "ended" | "gone";

/** What the log belongs to. */
export type LogSubject = "build" | "deployment";

const subjects: Record<LogSubject, { path: string; noun: string; isActive: (state: string) => boolean; waiting: (state: string) => string | null }> = {
  build: {
    path: "builds",
    noun: "build",
    isActive: isActiveBuildState,
    waiting: (state) => (state === "queued" ? "Waiting for the build to start…" : null),
  },
  deployment: {
    path: "deployments",
    noun: "deployment",
    isActive: isActiveDeploymentState,
    waiting: (state) =>
      state === "pending_approval"
        ? "The log starts once the deployment is approved and a worker takes it."
        : state === "queued"
          ? "Waiting for a worker to start the deployment (one deployment per target at a time)…"
          : null,
  },
};

/** What a terminal would show of a line: escapes removed, and only what follows the last carriage return. */
function displayText(raw: string): string {
  let t = raw.replace(ANSI, "");
  if (t.endsWith("\r")) t = t.slice(0, -1);
  const cr = t.lastIndexOf("\r");
  return cr >= 0 ? t.slice(cr + 1) : t;
}

function line(n: number, raw: string, at: number): LogLine {
  const text = displayText(raw);
  return { n, text, at, step: STEP.test(text) };
}

function append(model: LogModel, chunks: { text: string; at: number }[]): LogModel {
  let lines = model.lines.slice();
  let { partial, next } = model;
  for (const c of chunks) {
    const pieces = c.text.split("\n");
    pieces.forEach((piece, i) => {
      if (i < pieces.length - 1) {
        lines.push(line(next++, (partial?.raw ?? "") + piece, partial?.at ?? c.at));
        partial = null;
      } else if (piece !== "") {
        partial = { raw: (partial?.raw ?? "") + piece, at: partial?.at ?? c.at };
      }
    });
  }
  let dropped = model.dropped;
  if (lines.length > MAX_LINES) {
    dropped += lines.length - MAX_LINES;
    lines = lines.slice(lines.length - MAX_LINES);
  }
  return { lines, partial, dropped, next };
}

/** "+0:07", "+12:30", "+1:02:03" */
function sinceStart(at: number, startedAt: number | null): string | null {
  if (startedAt === null) return null;
  const s = Math.max(0, Math.floor((at - startedAt) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `+${h}:${String(m).padStart(2, "0")}:${ss}` : `+${m}:${ss}`;
}

const Line = memo(function Line({ l, startedAt, noun }: { l: LogLine; startedAt: number | null; noun: string }) {
  if (l.step) {
    const elapsed = sinceStart(l.at, startedAt);
    return (
      <div role="heading" aria-level={3} className="mt-1 flex gap-3 border-l-2 border-sky-400 bg-sky-400/10 py-0.5 pr-3 font-semibold text-sky-100 first:mt-0" data-step="">
        <span aria-hidden="true" className="w-12 shrink-0 select-none pr-1 text-right font-normal text-sky-300/60">
          {l.n}
        </span>
        <span className="min-w-0 flex-1 whitespace-pre-wrap break-all">{l.text}</span>
        {elapsed ? (
          <span className="shrink-0 font-normal tabular-nums text-sky-300" title={`time since the ${noun} started`}>
            {elapsed}
          </span>
        ) : null}
      </div>
    );
  }
  return (
    <div className="flex gap-3 border-l-2 border-transparent pr-3 hover:bg-white/5">
      <span aria-hidden="true" className="w-12 shrink-0 select-none pr-1 text-right text-zinc-500">
        {l.n}
      </span>
      <span className="min-w-0 flex-1 whitespace-pre-wrap break-all">{l.text || "\u00a0"}</span>
    </div>
  );
});

export function LogViewer({
  subject,
  id,
  state: pageState,
  startedAt: pageStartedAt,
  finishedAt: pageFinishedAt,
  now,
}: {
  subject: LogSubject;
  /** the build's or deployment's id */
  id: string;
  /** the state the page was rendered with: a different one from the stream re-renders the page */
  state: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** the server's time at render, for the first elapsed-time text */
  now: Date;
}) {
  const router = useRouter();
  const { path, noun, isActive, waiting } = subjects[subject];
  const [model, setModel] = useState<LogModel>({ lines: [], partial: null, dropped: 0, next: 1 });
  const [stream, setStream] = useState<StreamState | null>(null);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [follow, setFollow] = useState(true);
  const pausedByScroll = useRef(false);
  const box = useRef<HTMLDivElement>(null);
  const lastSeq = useRef(-1);
  const pageStateRef = useRef(pageState);
  useEffect(() => {
    pageStateRef.current = pageState;
  }, [pageState]);

  // the stream: connect, resume after the last chunk on a drop, stop at `end`
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let flush: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;
    let pending: { text: string; at: number }[] = [];

    const flushNow = () => {
      clearTimeout(flush);
      flush = undefined;
      const batch = pending;
      pending = [];
      if (batch.length) setModel((m) => append(m, batch));
    };
    const flushSoon = () => {
      flush ??= setTimeout(flushNow, 50);
    };
    const onState = (s: StreamState) => {
      setStream(s);
      if (s.state !== pageStateRef.current) {
        pageStateRef.current = s.state;
        router.refresh();
      }
    };
    const reconnect = () => {
      source?.close();
      if (stopped) return;
      failures++;
      setConnection("reconnecting");
      retry = setTimeout(connect, Math.min(10_000, 1000 * 2 ** Math.min(failures - 1, 4)));
    };
    const connect = () => {
      source = new EventSource(`/api/${path}/${encodeURIComponent(id)}/log?after=${lastSeq.current}`);
      source.onopen = () => {
        failures = 0;
        setConnection("live");
      };
      source.onmessage = (e: MessageEvent<string>) => {
        const c = JSON.parse(e.data) as { seq: number; text: string; at: string };
        if (c.seq <= lastSeq.current) return;
        lastSeq.current = c.seq;
        pending.push({ text: c.text, at: Date.parse(c.at) });
        flushSoon();
      };
      source.addEventListener("state", (e) => onState(JSON.parse((e as MessageEvent<string>).data) as StreamState));
      source.addEventListener("end", (e) => {
        stopped = true;
        source?.close();
        // the last lines with the end, in the same render: never "wrote no log" for a log still in the batch
        flushNow();
        onState(JSON.parse((e as MessageEvent<string>).data) as StreamState);
        setConnection("ended");
      });
      source.addEventListener("gone", () => {
        stopped = true;
        source?.close();
        setConnection("gone");
      });
      source.addEventListener("failure", reconnect);
      source.onerror = reconnect;
    };
    connect();
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(retry);
      clearTimeout(flush);
    };
  }, [path, id, router]);

  // follow the tail
  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [model, follow]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (!atBottom && follow) {
      pausedByScroll.current = true;
      setFollow(false);
    } else if (atBottom && !follow && pausedByScroll.current) {
      pausedByScroll.current = false;
      setFollow(true);
    }
  };

  const state = stream?.state ?? pageState;
  const startedIso = stream ? stream.startedAt : (pageStartedAt?.toISOString() ?? null);
  const finishedIso = stream ? stream.finishedAt : (pageFinishedAt?.toISOString() ?? null);
  const startedAt = startedIso ? Date.parse(startedIso) : null;
  const running = isActive(state);
  const shown = model.partial ? [...model.lines, line(model.next, model.partial.raw, model.partial.at)] : model.lines;
  const downloadHref = `/api/${path}/${encodeURIComponent(id)}/log.txt`;

  return (
    <section aria-labelledby="log-heading" className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-200 px-4 py-2.5 dark:border-zinc-800">
        <div className="flex min-w-0 flex-wrap items-baseline gap-x-4 gap-y-1">
          <h2 id="log-heading" className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
            Log
          </h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            <span role="status">
              <ConnectionWords connection={connection} running={running} noun={noun} />
            </span>
            {startedIso ? (
              <>
                {" · "}
                {running ? "running for " : "took "}
                <LiveDuration from={new Date(startedIso)} to={running ? null : finishedIso ? new Date(finishedIso) : null} now={now} />
              </>
            ) : null}
          </p>
        </div>
        <div className="flex items-center gap-2">
          {/* following means something only while lines can arrive: not before the run starts, not after it ended */}
          {running && waiting(state) === null ? (
            <button
              type="button"
              className="btn-secondary px-2.5 py-1 text-xs"
              title={follow ? "Stop scrolling to new lines" : "Scroll to new lines as they arrive"}
              onClick={() => {
                pausedByScroll.current = false;
                setFollow((f) => !f);
              }}
            >
              {follow ? (
                <>
                  <svg viewBox="0 0 16 16" className="size-3.5" fill="currentColor" aria-hidden="true" focusable="false">
                    <rect x="4" y="3" width="3" height="10" rx="0.5" />
                    <rect x="9" y="3" width="3" height="10" rx="0.5" />
                  </svg>
                  Pause
                </>
              ) : (
                <>
                  <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true" focusable="false">
                    <path d="M8 3v9m-4-4 4 4 4-4" strokeLinecap="round" strokeLinejoin="round" />
                  </svg>
                  Follow
                </>
              )}
            </button>
          ) : null}
          <a href={downloadHref} download className="btn-secondary px-2.5 py-1 text-xs">
            Download
          </a>
        </div>
      </div>
      {model.dropped ? (
        <p className="border-b border-zinc-800 bg-zinc-900 px-4 py-1.5 text-xs text-zinc-400">
          The first {model.dropped.toLocaleString("en")} lines are not shown here;{" "}
          <a href={downloadHref} download className="text-sky-400 underline underline-offset-2">
            download the log
          </a>{" "}
          for all of it.
        </p>
      ) : null}
      <div
        ref={box}
        onScroll={onScroll}
        role="log"
        aria-live="off"
        aria-label={`${noun.charAt(0).toUpperCase()}${noun.slice(1)} log`}
        tabIndex={0}
        data-testid={`${subject}-log`}
        className="max-h-[70vh] min-h-48 overflow-auto bg-zinc-950 py-2 font-mono text-xs leading-5 text-zinc-200 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-sky-500"
      >
        {shown.length ? (
          shown.map((l) => <Line key={l.n} l={l} startedAt={startedAt} noun={noun} />)
        ) : (
          <p className="px-4 py-6 font-sans text-sm text-zinc-400">
            {waiting(state) ?? (running ? "Waiting for output…" : connection === "ended" || connection === "gone" ? `This ${noun} wrote no log.` : "Loading the log…")}
          </p>
        )}
      </div>
    </section>
  );
}

function ConnectionWords({ connection, running, noun }: { connection: Connection; running: boolean; noun: string }) {
  switch (connection) {
    case "connecting":
      return <>Connecting…</>;
    case "live":
      return running ? (
        <span className="inline-flex items-center gap-1.5">
          <span aria-hidden="true" className="size-1.5 rounded-full bg-emerald-500 motion-safe:animate-pulse" />
          Live
        </span>
      ) : (
        <>Loading…</>
      );
    case "reconnecting":
      return <span className="text-amber-700 dark:text-amber-400">Connection lost; reconnecting…</span>;
    case "ended":
      return <>Complete</>;
    case "gone":
      return <span className="text-red-700 dark:text-red-400">This {noun} was removed.</span>;
  }
}
