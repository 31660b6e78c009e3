import { receiveGithubWebhook } from "@/lib/services/webhooks";

export async function POST(req: Request, ctx: { params: Promise<{ app: string }> }): Promise<Response> {
  const { status, body, close } = await receiveGithubWebhook({ appName: (await ctx.params).app, headers: req.headers, body: req.body });
  // a body left unread must not be taken for the next request on a kept-alive connection
  return Response.json(body, { status, headers: close ? { connection: "close" } : undefined });
}
