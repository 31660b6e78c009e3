// lib/config/services-markdown.ts: a target's line says how a unikernel is restarted and where its files are,
// or where an artifact repository keeps them.
import { expect, test } from "vitest";
import { targetLine } from "@/lib/config/services-markdown";
import type { ServiceTargetRow } from "@/lib/queries/services-inventory";

const unikernel: ServiceTargetRow = {
  id: "t",
  name: "unikernel-host/www",
  kind: "unikernel",
  context: null,
  host: { id: "h", name: "unikernel-host" },
  service: "www",
  composeProject: null,
  healthUrl: "https://mirage.io/",
  unikernelDir: "/var/lib/slipway/unikernels",
  keepArtifacts: 5,
  restartMethod: "systemd",
  restartUnit: "unikernel@www",
  memoryMib: null,
  networks: [],
  bootArgs: [],
  restartArgv: [],
  artifactRepoPath: null,
  artifactRepoBranch: null,
};

test("each restart method and the artifact repository", () => {
  expect(targetLine(unikernel)).toBe(
    "`unikernel-host/www`: unikernel `www` on host `unikernel-host`, restarted by systemd unit `unikernel@www`, files in `/var/lib/slipway/unikernels/www/` @ <https://mirage.io/>",
  );
  expect(targetLine({ ...unikernel, healthUrl: null, restartMethod: "command", restartUnit: null, restartArgv: ["mirage-redeploy", "{service}", "a b"] })).toBe(
    '`unikernel-host/www`: unikernel `www` on host `unikernel-host`, restarted by the command `mirage-redeploy {service} "a b"`, files in `/var/lib/slipway/unikernels/www/`',
  );
  expect(targetLine({ ...unikernel, healthUrl: null, restartMethod: "albatross", restartUnit: null, memoryMib: 256, networks: ["service", "tap0:br0"] })).toBe(
    "`unikernel-host/www`: unikernel `www` on host `unikernel-host`, run by albatross with 256 MiB on `service`, `tap0:br0`, files in `/var/lib/slipway/unikernels/www/`",
  );
  expect(
    targetLine({ ...unikernel, kind: "artifact_repository", healthUrl: null, unikernelDir: null, restartMethod: null, restartUnit: null, artifactRepoPath: "~/mirage-deployments.git", artifactRepoBranch: "main" }),
  ).toBe("`unikernel-host/www`: artifact repository `www` on host `unikernel-host`, committed to `~/mirage-deployments.git` branch `main`");
});
