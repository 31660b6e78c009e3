#!/usr/bin/env node
// `slipway`: the command line over Slipway's REST API (/api/v1). The code is TypeScript in cli/; tsx (a
// dependency, as for the npm scripts) runs it without a build step, with the project's tsconfig so that its
// `@/` imports resolve from any working directory.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
register({ tsconfig: path.join(root, "tsconfig.json") });
const { runCli } = await import(pathToFileURL(path.join(root, "cli/main.ts")).href);
process.exitCode = await runCli(process.argv.slice(2));
