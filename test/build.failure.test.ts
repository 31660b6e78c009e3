// lib/build/failure.ts: which build failures are put down to the registry (refused credentials, a registry that
// stopped answering) or to a lost engine, from the words dockerd 20.10 really writes. The engine watch itself is
// exercised against a real dockerd stopped mid-build in test/faults/dockerd-stop.test.ts.
import { describe, expect, test } from "vitest";
import { classifyPushFailure, isEngineConnectionError, mayBeEngineLoss, pushRetryDelaySeconds } from "@/lib/build/failure";
import { DaemonError } from "@/lib/build/docker";

describe("classifyPushFailure", () => {
  test("refused credentials, in the daemon's words", () => {
    for (const m of ["unauthorized: authentication required", "no basic auth credentials", "denied: requested access to the resource is denied", "unauthorized: incorrect username or password"]) {
      expect(classifyPushFailure(new DaemonError(m)), m).toMatchObject({ kind: "credentials" });
    }
  });
  test("a registry that stopped answering", () => {
    for (const m of [
      'Put "http://127.0.0.1:41234/v2/faults/www/blobs/uploads/x": dial tcp 127.0.0.1:41234: connect: connection refused',
      "Get \"http://127.0.0.1:41234/v2/\": EOF",
      "read tcp 127.0.0.1:5555->127.0.0.1:41234: read: connection reset by peer",
      "received unexpected HTTP status: 503 Service Unavailable",
      "net/http: TLS handshake timeout",
    ]) {
      expect(classifyPushFailure(new DaemonError(m)), m).toMatchObject({ kind: "unreachable" });
    }
  });
  test("anything else is neither", () => {
    expect(classifyPushFailure(new DaemonError("manifest blob unknown: blob unknown to registry"))).toBeNull();
    expect(classifyPushFailure("not an error")).toBeNull();
  });
});

describe("engine loss", () => {
  test("a broken or refused connection to the engine", () => {
    expect(isEngineConnectionError(Object.assign(new Error("connect ECONNREFUSED /tmp/d/docker.sock"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isEngineConnectionError(new Error("socket hang up"))).toBe(true);
    expect(isEngineConnectionError(new Error("x", { cause: Object.assign(new Error("y"), { code: "ECONNRESET" }) }))).toBe(true);
    expect(isEngineConnectionError(new DaemonError("The command '/bin/sh -c false' returned a non-zero code: 1"))).toBe(false);
  });
  test("a RUN step that exited on its own is the commit's; one killed by a signal may be the engine's", () => {
    expect(mayBeEngineLoss(new DaemonError("The command '/bin/sh -c false' returned a non-zero code: 1"))).toBe(false);
    expect(mayBeEngineLoss(new DaemonError("The command '/bin/busybox sleep 30' returned a non-zero code: 137"))).toBe(true);
    expect(mayBeEngineLoss(new DaemonError("The command '/bin/busybox sleep 30' returned a non-zero code: 143"))).toBe(true);
    expect(mayBeEngineLoss(new DaemonError("The command '/bin/busybox sleep 30' returned a non-zero code: 1370"))).toBe(false);
    expect(mayBeEngineLoss(new DaemonError("failed to update the store state of sandbox"))).toBe(true);
  });
  test("the push is tried again after 5, 10, 20, 40, then every 60 s", () => {
    expect([1, 2, 3, 4, 5, 6].map(pushRetryDelaySeconds)).toEqual([5, 10, 20, 40, 60, 60]);
  });
});
