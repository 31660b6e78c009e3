// The one way a request body is read (route handlers, the webhook receiver, next-auth's endpoints): a
// streaming limit that counts the bytes as they arrive and stops reading at the limit, whatever
// Content-Length says or whether it is sent at all (a chunked body has none). Callers check the session and
// the role before they read.
import { CommandError } from "@/lib/errors";

/** Body limits by what the body holds. slipway.yml has its own (lib/config/yaml.ts MAX_CONFIG_BYTES). */
export const BODY_LIMITS = {
  /** a small JSON command such as {"role":"operator"} */
  json: 64 * 1024,
  /** a sign-in form */
  form: 16 * 1024,
} as const;

/** The body is larger than the limit (413). Reading stopped there; the connection should not be reused. */
export class BodyTooLargeError extends CommandError {
  override readonly status = 413;
  override readonly code = "too_large";
  constructor(readonly limit: number, what = "the request body") {
    super(`${what} is larger than ${formatBytes(limit)}; send less`);
    this.name = "BodyTooLargeError";
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export type BodySource = ReadableStream<Uint8Array> | Uint8Array | null;

/**
 * At most `limit` bytes of `body`, or null when it is larger: reading stops (and the stream is cancelled)
 * as soon as the count passes the limit, so at most `limit` plus one chunk is ever held.
 */
export async function readLimitedStream(body: BodySource, limit: number): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body.byteLength > limit ? null : body;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks);
}

/** Content-Length, when the client sent a valid one. */
function declaredLength(headers: Headers): number | null {
  const v = headers.get("content-length");
  return v !== null && /^\d+$/.test(v.trim()) ? Number(v) : null;
}

/**
 * The request's body as bytes, at most `limit` of them, else BodyTooLargeError. A Content-Length above the
 * limit is refused before reading; without one (chunked), the bytes are counted as they come.
 */
export async function readBody(req: Pick<Request, "headers" | "body">, limit: number, what?: string): Promise<Uint8Array> {
  const declared = declaredLength(req.headers);
  if (declared !== null && declared > limit) {
    await req.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(limit, what);
  }
  const bytes = await readLimitedStream(req.body, limit);
  if (bytes === null) throw new BodyTooLargeError(limit, what);
  return bytes;
}

/** The body as UTF-8 text, within `limit` bytes. */
export async function readTextBody(req: Pick<Request, "headers" | "body">, limit: number, what?: string): Promise<string> {
  return Buffer.from(await readBody(req, limit, what)).toString("utf8");
}

/** An application/x-www-form-urlencoded body within `limit` bytes, as its fields (the first of each name). */
export async function readFormBody(req: Pick<Request, "headers" | "body">, limit: number = BODY_LIMITS.form): Promise<Record<string, string>> {
  const params = new URLSearchParams(await readTextBody(req, limit, "the form"));
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}
