// npm run web — the web console alone, for production (run `npm run build` first; workers run separately).
import { existsSync } from "node:fs";
import { parseEnv } from "@/lib/env";
import { checkDatabase } from "@/lib/db/check";
import { findDatabase } from "@/lib/db/find-database";
import { prepareDatabase } from "@/lib/db/prepare";
import { startWebServer } from "@/scripts/lib/web-server";
import { explainStartupError } from "@/lib/startup-error";
import { log } from "@/lib/log";

async function main() {
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  (process.env as Record<string, string | undefined>).NODE_ENV = "production";
  const e = parseEnv(process.env);
  const { url } = await findDatabase(e, "attach");
  process.env.DATABASE_URL = url;
  if (!existsSync(".next/BUILD_ID")) throw new Error("there is no production build; run `npm run build` first");
  await checkDatabase(url);
  await prepareDatabase(url, (m) => log.info(m));
  // the deployer key exists from the first start, whichever process starts first (web or worker)
  const { ensureDeployerKey } = await import("@/lib/services/deployer-key");
  await ensureDeployerKey();
  const { ensureProvenanceKey } = await import("@/lib/services/provenance-key");
  await ensureProvenanceKey("first start");
  const web = await startWebServer({ dev: false, port: e.PORT, host: e.HOST, trustProxy: e.SLIPWAY_TRUST_PROXY });
  log.info(`Slipway console listening on ${web.url} (public URL ${e.SLIPWAY_URL})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info(`${signal}: closing the web server`);
    web.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  explainStartupError("web", err);
  process.exit(1);
});
