// GET /metrics — Prometheus text format 0.0.4, for a bearer token (SLIPWAY_METRICS_TOKEN) or an address in
// SLIPWAY_METRICS_ALLOW (lib/metrics/access.ts); docs/metrics.md lists the families.
import { metricsAccess } from "@/lib/metrics/access";
import { scrapeMetrics } from "@/lib/metrics/registry";
import { log } from "@/lib/log";

export const dynamic = "force-dynamic";

const TEXT = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" };

export async function GET(req: Request): Promise<Response> {
  const access = metricsAccess(req.headers);
  if (!access.ok) return new Response(`${access.message}\n`, { status: access.status, headers: { ...TEXT, ...(access.status === 401 ? { "www-authenticate": 'Bearer realm="slipway-metrics"' } : {}) } });
  try {
    const { body, contentType } = await scrapeMetrics();
    return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  } catch (err) {
    log.error({ err }, "reading the metrics failed");
    return new Response("The metrics could not be read from the database; see the web server's log, and try again.\n", { status: 503, headers: TEXT });
  }
}
