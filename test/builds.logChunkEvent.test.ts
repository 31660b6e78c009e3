// lib/http/build-log.ts chunkEvent: a chunk's event is built from its stored bytes, and must be exactly the
// event JSON.stringify would make of its text; lib/build/log-writer.ts: text buffered as bytes in
// chunk-sized blocks comes out unchanged, cut at line ends and never inside a UTF-8 character.
import { describe, expect, test } from "vitest";
import { chunkEvent } from "@/lib/http/build-log";
import { BuildLogWriter, CHUNK_MAX_BYTES } from "@/lib/build/log-writer";
import type { LogSink } from "@/lib/build/log-store";

const at = new Date("2026-12-04T23:15:00.123Z");
const expected = (seq: number, text: string) => `id: ${seq}\ndata: ${JSON.stringify({ seq, text, at: at.toISOString() })}\n\n`;
const event = (seq: number, text: string) => chunkEvent({ seq, bytes: Buffer.from(text, "utf8"), at }).toString("utf8");

describe("chunkEvent", () => {
  test("the same bytes as JSON.stringify for every control character, quotes, backslashes and non-ASCII text", () => {
    const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("");
    const samples = [
      "",
      "plain line\n",
      controls,
      `say "hi" \\ and \\n literally\r\n\t\b\f`,
      "\u007f DEL, é, ß, 日本語, emoji 🚀, line separators \u2028 \u2029\n",
      "\u001b[31mred\u001b[0m progress 50%\r",
      `${"x".repeat(99)}\n`.repeat(655),
    ];
    for (const [i, s] of samples.entries()) expect(event(i, s)).toBe(expected(i, s));
    // the client reads it back as the text
    const parsed = JSON.parse(event(7, controls).split("\n")[1]!.slice("data: ".length)) as { text: string };
    expect(parsed.text).toBe(controls);
  });

  test("random text, 200 samples", () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = ["a", "Z", " ", "\n", "\r", "\t", '"', "\\", "\u0000", "\u001f", "é", "€", "😀", "/", "<", "\u2028"];
    for (let n = 0; n < 200; n++) {
      const s = Array.from({ length: Math.floor(rnd() * 300) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
      expect(event(n, s)).toBe(expected(n, s));
    }
  });
});

describe("BuildLogWriter blocks", () => {
  function recordingSink() {
    const chunks: string[] = [];
    const sink: LogSink = {
      position: async () => ({ nextSeq: 0, bytes: 0, truncated: false }),
      close: async () => undefined,
      append: async (_seq, bytes) => {
        // copied at once: the writer reuses the block once this settles
        chunks.push(Buffer.from(bytes).toString("utf8"));
        await new Promise((r) => setTimeout(r, 1));
      },
    };
    return { sink, chunks };
  }

  test("pieces longer than a chunk are cut at line ends, or without a line end never inside a UTF-8 character; the text is unchanged", async () => {
    const { sink, chunks } = recordingSink();
    const w = await BuildLogWriter.openSink(sink, []);
    const lines = `${"l".repeat(1000)}\n`.repeat(200); // ~196 KiB with line ends
    const noNewline = "€".repeat(50_000); // 150,000 bytes of 3-byte characters, no line end
    const small = "after\n";
    w.write(lines);
    w.write(`${noNewline}\n`);
    w.write(small);
    await w.close();
    expect(chunks.join("")).toBe(lines + noNewline + "\n" + small);
    for (const c of chunks) {
      expect(Buffer.byteLength(c)).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
      expect(c.includes("\ufffd")).toBe(false);
    }
    // the chunks of the lines end at line ends
    const lineChunks = chunks.filter((c) => c.startsWith("l"));
    expect(lineChunks.length).toBeGreaterThanOrEqual(3);
    for (const c of lineChunks.slice(0, -1)) expect(c.endsWith("\n")).toBe(true);
  });

  test("a flood of short lines through a slow store keeps the order and the text, each chunk within CHUNK_MAX_BYTES", async () => {
    const { sink, chunks } = recordingSink();
    const w = await BuildLogWriter.openSink(sink, []);
    let expectedText = "";
    for (let i = 0; i < 50_000; i++) {
      const line = `line ${i} ${"y".repeat(i % 97)}\n`;
      expectedText += line;
      const wait = w.writeFromStream(line);
      if (wait) await wait;
    }
    await w.close();
    expect(chunks.join("")).toBe(expectedText);
    expect(Math.max(...chunks.map((c) => Buffer.byteLength(c)))).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
  });
});
