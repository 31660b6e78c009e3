// GET /api/badges/<repository>.svg?branch=main&app=tarides — a README status badge: "build | passing /
// failing / running / cancelled / unknown" for the latest builds of the branch's head (the default branch
// when no ?branch= is given). ?app= picks the entry of a repository listed under several apps; without it the
// badge covers them all. Repository names may hold a slash (owner/name), so the path is a catch-all.
//
// Public on purpose: README images are fetched anonymously (GitHub's image proxy sends no cookie). It draws
// only one of those five words, never a name, commit or log. An unknown repository or branch answers 200
// with an "unknown" badge rather than a 404: image proxies show a 404 as a broken image in the README,
// while "unknown" says what is true (Slipway has nothing to report). `no-cache` makes proxies revalidate,
// so the badge follows the build.
import { branchBadgeStatus } from "@/lib/queries/badges";
import { statusBadgeSvg } from "@/lib/badges/status-badge";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ path: string[] }> };

/** Repository names hold no "%", so decoding is safe whether or not the router already decoded. */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export async function GET(req: Request, ctx: Ctx): Promise<Response> {
  const { path } = await ctx.params;
  const joined = path.map(decodeSegment).join("/");
  if (!joined.endsWith(".svg")) {
    return new Response("A badge address ends in .svg: /api/badges/<owner>/<repo>.svg?branch=main\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const query = new URL(req.url).searchParams;
  const branch = query.get("branch") ?? undefined;
  const app = query.get("app") ?? undefined;
  const status = await branchBadgeStatus(joined.slice(0, -".svg".length), branch, app);
  return new Response(statusBadgeSvg("build", status), {
    headers: {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Cache-Control": "no-cache",
      // the SVG is an image, never a document that runs anything
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    },
  });
}
