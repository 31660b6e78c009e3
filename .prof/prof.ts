import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startDockerd } from "@/test/helpers/dockerd";
import { startRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";
import { buildImage } from "@/lib/build/docker";
import { prepareContext } from "@/lib/build/context";

const [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
try {
  const busybox = await importBusybox(dockerd.docker, `${registry.url}/busybox:latest`);
  const dir = mkdtempSync("/tmp/prof-ctx-");
  mkdirSync(path.join(dir, "data"));
  for (let i = 0; i < 3; i++) writeFileSync(path.join(dir, `data/static-${i}.bin`), randomBytes(1 << 20));
  writeFileSync(path.join(dir, "Dockerfile"), `FROM ${busybox}\nCOPY data /data\nRUN ["/bin/sh", "-c", "cat /data/* > /blob && ls -l /blob"]\n`);
  const labels = { "org.opencontainers.image.revision": "a".repeat(40), "dev.slipway.build": "b1", "dev.slipway.repository": "x/y" };
  const env = { ...process.env, DOCKER_BUILDKIT: "0", DOCKER_CONFIG: dir };
  const res: Record<string, number[]> = {};
  const rec = (k: string, v: number) => (res[k] ??= []).push(v);
  for (let round = 0; round < 4; round++) {
    for (const variant of ["cli", "cli+labels", "slipway", "slipway-nolabels"]) {
      writeFileSync(path.join(dir, "data/zz.bin"), randomBytes(1 << 20));
      const t = performance.now();
      if (variant.startsWith("cli")) {
        const args = ["-H", dockerd.endpoint, "build", "-q", "--tag", `${registry.url}/p/${variant.replace("+", "")}:x`];
        if (variant === "cli+labels") for (const [k, v] of Object.entries(labels)) args.push("--label", `${k}=${v}`);
        execFileSync("docker", [...args, dir], { env, stdio: "ignore" });
      } else {
        const ctx = await prepareContext(dir, { contextDir: "", dockerfile: "Dockerfile", includeGit: false });
        await buildImage(dockerd.docker, { context: ctx.stream(), dockerfile: ctx.dockerfile, tag: `${registry.url}/p/${variant}:x`, buildArgs: {}, labels: variant === "slipway" ? labels : {}, signal: new AbortController().signal, onOutput: () => undefined });
      }
      if (round > 0) rec(variant, performance.now() - t);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [k, v] of Object.entries(res)) console.log(k, Math.round(med(v)), v.map(Math.round).join(" "));
  rmSync(dir, { recursive: true, force: true });
} finally {
  await Promise.all([dockerd.stop(), registry.stop()]);
}
