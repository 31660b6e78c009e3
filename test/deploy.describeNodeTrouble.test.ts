// The words a failed swarm deployment uses for a node its tasks were on (lib/deploy/targets/swarm/convergence.ts).
// The node that is really cut off is in test/faults/two-node-swarm.test.ts; these are the other states the
// engine reports (GET /nodes), in its own JSON shape.
import { describe, expect, test } from "vitest";
import { describeNodeTrouble } from "@/lib/deploy/targets/swarm/convergence";

const node = (state: string, availability: string, message?: string) => ({
  ID: "q7lxyptjm4hy0s1w2e3r4t5y6",
  Description: { Hostname: "web-2" },
  Spec: { Availability: availability, Role: "worker" },
  Status: { State: state, Addr: "10.0.0.2", ...(message ? { Message: message } : {}) },
});

describe("describeNodeTrouble", () => {
  test("a ready, active node is no trouble", () => {
    expect(describeNodeTrouble(node("ready", "active"))).toBeNull();
  });

  test("down, disconnected or unknown: said with the node's short ID, hostname, address and the swarm's message", () => {
    expect(describeNodeTrouble(node("down", "active", "heartbeat failure"))).toBe("node q7lxyptjm4hy (web-2, 10.0.0.2) is down: heartbeat failure");
    expect(describeNodeTrouble(node("disconnected", "active"))).toBe("node q7lxyptjm4hy (web-2, 10.0.0.2) is disconnected");
    expect(describeNodeTrouble({ ID: "abcdefabcdefabcdef" })).toBe("node abcdefabcdef is unknown");
  });

  test("drained or paused by an operator: said as such, with its state when it is not ready either", () => {
    expect(describeNodeTrouble(node("ready", "drain"))).toBe("node q7lxyptjm4hy (web-2, 10.0.0.2) is drained");
    expect(describeNodeTrouble(node("ready", "pause"))).toBe("node q7lxyptjm4hy (web-2, 10.0.0.2) is paused");
    expect(describeNodeTrouble(node("down", "drain", "heartbeat failure"))).toBe("node q7lxyptjm4hy (web-2, 10.0.0.2) is down: heartbeat failure and is drained");
  });
});
