// The webhook receive latency: the one family the web process observes itself (in the webhook route). Its own
// module, free of the database reads of lib/metrics/registry.ts (which registers it with the others), so the
// webhook route stays light. Kept on globalThis: Next.js bundles each route on its own, and the webhook route and
// /metrics must share one histogram.
import { Histogram } from "prom-client";

const holder = globalThis as unknown as { slipwayWebhookSeconds?: Histogram<"status"> };

/** The histogram, made at first use and registered with no registry (lib/metrics/registry.ts adds it to its own). */
export function webhookReceiveHistogram(): Histogram<"status"> {
  holder.slipwayWebhookSeconds ??= new Histogram({
    name: "slipway_webhook_receive_seconds",
    help: "Time this web process took to answer a GitHub webhook delivery (verify, record, queue), by HTTP status, since it started.",
    labelNames: ["status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  return holder.slipwayWebhookSeconds;
}

/** Records how long the webhook route took to answer one delivery. */
export function observeWebhookReceive(status: number, seconds: number): void {
  webhookReceiveHistogram().observe({ status: String(status) }, seconds);
}
