import { receiveGithubWebhook } from "@/lib/services/webhooks";

export async function POST(req: Request, ctx: { params: Promise<{ app: string }> }): Promise<Response> {
  const { status, body } = await receiveGithubWebhook({ appName: (await ctx.params).app, headers: req.headers, body: req.body });
  return Response.json(body, { status });
}
