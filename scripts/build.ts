// npm run build — the production build of the console (`next build`), recorded with the fingerprint of its
// sources so that `npm start` serves it without building again (scripts/lib/production-build.ts).
// `-- --if-changed` builds only when the sources changed since the last build.
import { ensureProductionBuild } from "@/scripts/lib/production-build";

const say = (msg: string) => console.log(`slipway: ${msg}`);

ensureProductionBuild(process.cwd(), { say, force: !process.argv.includes("--if-changed") }).then(
  (built) => {
    if (!built) say("the production build is up to date with the sources");
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
