import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { observeWebhookReceive } from "@/lib/metrics/webhook-latency";

export async function POST(req: Request, ctx: { params: Promise<{ app: string }> }): Promise<Response> {
  const started = performance.now();
  const { status, body, close } = await receiveGithubWebhook({ appName: (await ctx.params).app, headers: req.headers, body: req.body });
  // slipway_webhook_receive_seconds on /metrics
  observeWebhookReceive(status, (performance.now() - started) / 1000);
  // a body left unread must not be taken for the next request on a kept-alive connection
  return Response.json(body, { status, headers: close ? { connection: "close" } : undefined });
}
