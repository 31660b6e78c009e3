// npm run soak -- --deployments 500 [--concurrency 6] [--seed N] — the soak (test/soak/engine.ts): releases and
// rollbacks over 20 targets while workers, sshd and dockerd are killed, then the table of what must be 0.
// Exits 1 when any must-be-0 figure is not 0 (or the audit chain is broken, or worker RSS grew over 20%).
// Real services, as root: a private dockerd in swarm mode, docker-registry, sshd, QEMU. Uses DATABASE_URL when
// set (a scratch database!), else an embedded PostgreSQL in a temp directory.
import { benchDatabase, cleanup, intArg, runBench } from "@/bench/lib";

let failed = false;

async function main() {
  if (process.argv.includes("--help")) {
    console.log("npm run soak -- --deployments 500 [--concurrency 6] [--workers 3] [--seed N] [--settle-seconds 300]   (see test/soak/engine.ts)");
    return;
  }
  if (process.getuid?.() !== 0) throw new Error("the soak starts a private dockerd in swarm mode and sshd, which needs root (run it as root, e.g. in the dev container)");
  process.env.LOG_LEVEL ??= "warn";
  process.env.SLIPWAY_LOG_FORMAT ??= "json";
  const deployments = intArg("deployments", 500);
  const seed = intArg("seed", Date.now() % 2 ** 31);
  await benchDatabase("SELECT (SELECT count(*) FROM deployments) + (SELECT count(*) FROM targets) AS n");
  const { runSoak, soakFailures, soakTable } = await import("@/test/soak/engine");
  console.log(`soak: ${deployments} deployments, seed ${seed}`);
  const result = await runSoak({
    deployments,
    concurrency: intArg("concurrency", 6),
    workers: intArg("workers", 3),
    settleMs: intArg("settle-seconds", 300) * 1000,
    seed,
    say: (line) => console.log(line),
  });
  console.log(`\n${soakTable(result)}`);
  const bad = soakFailures(result);
  console.log(bad.length ? `\nFAILED: ${bad.join(", ")}` : "\nall must-be-0 figures are 0");
  failed = bad.length > 0;
}

runBench(
  () =>
    main().then(async () => {
      if (failed) {
        await cleanup();
        process.exit(1);
      }
    }),
);
