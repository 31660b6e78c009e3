// login, logout, status: who the command line is, and what the targets run.
import { CliError, EXIT } from "@/cli/exit-codes";
import { normalizeUrl, readConfigFile, removeConfigFile, writeConfigFile } from "@/cli/config";
import { ApiClient } from "@/cli/http";
import { readSecret, requireToken } from "@/cli/prompt";
import { meSchema, releaseSchema, targetSchema, type Release } from "@/cli/schemas";
import { printJson, shortSha, table, words } from "@/cli/output";
import type { Command } from "@/cli/command";
import { formatUtc } from "@/components/format/time";


const isLoopback = (host: string) => host === "localhost" || host.startsWith("127.") || host === "[::1]";

function describeMe(me: { user: { login: string; role: string }; token: { name: string; scope: string; repositoryIds?: string[]; expiresAt?: string | null } }): string {
  const repos = me.token.repositoryIds?.length ? `, ${me.token.repositoryIds.length} repositor${me.token.repositoryIds.length === 1 ? "y" : "ies"} only` : "";
  const expires = me.token.expiresAt ? `, expires ${formatUtc(new Date(me.token.expiresAt))}` : "";
  return `${me.user.login} (${me.user.role}) with token "${me.token.name}" (${me.token.scope} scope${repos}${expires})`;
}

export const login: Command = {
  name: "login",
  usage: "[URL] [--token TOKEN]",
  summary: "check a token against the server and store the URL and token (mode 0600)",
  help: `The token is read from --token, else SLIPWAY_TOKEN, else asked for without echo (or read from a pipe).
It is checked with GET /api/v1/me before anything is stored; a refused token stores nothing.
Stored in $XDG_CONFIG_HOME/slipway/config.json (else ~/.config/slipway/config.json), mode 0600.`,
  args: { min: 0, max: 1 },
  async run(ctx, args) {
    const rawUrl = args[0] ?? ctx.flags.url ?? (ctx.env.SLIPWAY_URL?.trim() || readConfigFile(ctx.configFile)?.url);
    if (!rawUrl) throw new CliError("give the console's address: slipway login https://slipway.example.org", EXIT.usage);
    const url = normalizeUrl(rawUrl);
    const token = requireToken(ctx.flags.token ?? (ctx.env.SLIPWAY_TOKEN?.trim() || (await readSecret(`API token for ${url}: `))));
    const u = new URL(url);
    if (u.protocol === "http:" && !isLoopback(u.hostname)) ctx.io.err(`warning: ${url} is plain http: the token crosses the network unencrypted`);
    const me = await new ApiClient({ url, token }, ctx.interrupt).json("GET", "/me", meSchema);
    writeConfigFile(ctx.configFile, { url, token });
    if (ctx.json) printJson(ctx.io, me);
    else ctx.io.out(`signed in to ${url} as ${describeMe(me)}; stored in ${ctx.configFile}`);
    return EXIT.ok;
  },
};

export const logout: Command = {
  name: "logout",
  usage: "",
  summary: "forget the stored URL and token (revoke the token itself in the console)",
  args: { min: 0, max: 0 },
  async run(ctx) {
    const removed = removeConfigFile(ctx.configFile);
    if (ctx.json) printJson(ctx.io, { removed, file: ctx.configFile });
    else ctx.io.err(removed ? `removed ${ctx.configFile}; the token still works until it expires or is revoked in the console (Settings → API tokens)` : `not signed in (no ${ctx.configFile})`);
    return EXIT.ok;
  },
};

/** the most releases looked up to name what the targets run */
const MAX_RELEASE_LOOKUPS = 100;

export const status: Command = {
  name: "status",
  usage: "[--repository R]",
  summary: "who you are, and every target with its live release, pin and latest deployment",
  options: { repository: { type: "string", value: "R", description: "only the targets of this repository (id or owner/name)" } },
  args: { min: 0, max: 0 },
  async run(ctx, _args, values) {
    const client = ctx.client();
    const me = await client.json("GET", "/me", meSchema);
    const targets = await client.list("/targets", targetSchema, { repository: values.repository as string | undefined }, 10_000);
    if (ctx.json) {
      printJson(ctx.io, { me, targets: targets.items });
      return EXIT.ok;
    }
    ctx.io.out(`${client.connection.url}: ${describeMe(me)}\n`);
    // name the releases by commit and tag (one lookup per distinct release, a few at a time)
    const ids = [...new Set(targets.items.flatMap((t) => [t.liveReleaseId, t.pinnedReleaseId, t.latestDeployment?.releaseId]).filter((x): x is string => !!x))].slice(0, MAX_RELEASE_LOOKUPS);
    const releases = new Map<string, Release>();
    for (let i = 0; i < ids.length; i += 4) {
      await Promise.all(
        ids.slice(i, i + 4).map(async (id) => {
          const r = await client.json("GET", `/releases/${encodeURIComponent(id)}`, releaseSchema).catch((err: unknown) => {
            if (err instanceof CliError && (err.exitCode === EXIT.notFound || err.exitCode === EXIT.forbidden)) return null;
            throw err;
          });
          if (r) releases.set(id, r);
        }),
      );
    }
    const name = (id: string | null | undefined) => {
      if (!id) return "-";
      const r = releases.get(id);
      return r ? `${shortSha(r.commitSha)}${r.tag ? ` (${r.tag})` : ""}` : id;
    };
    table(
      ctx.io,
      ["TARGET", "KIND", "LIVE", "PINNED", "LATEST DEPLOYMENT"],
      targets.items.map((t) => [
        t.name,
        t.kind,
        name(t.liveReleaseId),
        t.pinned ? `yes: ${name(t.pinnedReleaseId)}` : "no",
        t.latestDeployment ? `${words(t.latestDeployment.state)} ${name(t.latestDeployment.releaseId)} [${t.latestDeployment.id}]` : "-",
      ]),
      "no targets (none configured, or none this token may see)",
    );
    return EXIT.ok;
  },
};
