// The per-token rate limit of /api/v1: a token bucket in this process's memory (SLIPWAY_API_RATE_PER_SECOND
// refills it, SLIPWAY_API_RATE_BURST is its size). Several web processes each keep their own buckets.
import { env } from "@/lib/env";

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 10_000;
const buckets = new Map<string, Bucket>();

export interface RateLimitDecision {
  ok: boolean;
  /** whole seconds until one request is allowed again (when !ok) */
  retryAfterSeconds: number;
}

/** Takes one request from `key`'s bucket. */
export function takeToken(key: string, now = Date.now(), rate = env().SLIPWAY_API_RATE_PER_SECOND, burst = env().SLIPWAY_API_RATE_BURST): RateLimitDecision {
  let b = buckets.get(key);
  if (!b) {
    if (buckets.size >= MAX_BUCKETS) {
      // forget the oldest bucket (Map keeps insertion order); a forgotten bucket starts full, as a new one does
      const oldest = buckets.keys().next().value;
      if (oldest !== undefined) buckets.delete(oldest);
    }
    b = { tokens: burst, at: now };
    buckets.set(key, b);
  }
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return { ok: true, retryAfterSeconds: 0 };
  }
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / rate)) };
}

/** For tests: every bucket full again. */
export function resetRateLimits(): void {
  buckets.clear();
}
