// lib/deploy/targets/index.ts: which kinds have a driver. Every kind of the schema has one now (swarm and compose
// services, unikernel hosts, artifact repositories), each its own; a kind this worker does not know (one a newer
// schema adds, met by an older worker during an upgrade) is refused in words, which the runner records as the
// deployment's reason. (Deployments through the drivers: test/deploy.pipeline.test.ts, test/deploy.unikernel.test.ts,
// test/deploy.artifactRepository.test.ts.)
import { expect, test } from "vitest";
import { TargetKind } from "@/lib/generated/prisma/enums";
import { driverFor, drivenKinds } from "@/lib/deploy/targets";

test("every target kind of the schema has a driver of its own", () => {
  const kinds = Object.values(TargetKind).sort();
  expect([...drivenKinds].sort()).toEqual(kinds);
  expect(kinds).toEqual(["artifact_repository", "compose_service", "swarm_service", "unikernel"]);
  expect(new Set(kinds.map((k) => driverFor(k))).size).toBe(kinds.length);
});

test("a kind this worker does not know is refused in words", () => {
  expect(() => driverFor("nomad_job" as TargetKind)).toThrow(/^no driver for target kind nomad_job: this version of Slipway cannot deploy to, inspect or re-verify such targets yet$/);
});
