// Generates the Prisma client from prisma/schema.prisma.
// The Prisma CLI wants its native schema engine even for `generate`, and that engine is downloaded
// from Prisma's servers at install time, which some machines cannot reach. `generate` never runs the
// engine, so when it is missing we point PRISMA_SCHEMA_ENGINE_BINARY at a placeholder file.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const enginesDir = path.join(root, "node_modules", "@prisma", "engines");
  const engine = existsSync(enginesDir)
    ? readdirSync(enginesDir).find((f) => f.startsWith("schema-engine"))
    : undefined;
  env.PRISMA_SCHEMA_ENGINE_BINARY = engine ? path.join(enginesDir, engine) : path.join(root, "package.json");
}
const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
if (!existsSync(cli)) {
  console.error("prisma is not installed; run `npm install` first");
  process.exit(1);
}
const result = spawnSync(process.execPath, [cli, "generate"], { cwd: root, env, stdio: "inherit" });
process.exit(result.status ?? 1);
