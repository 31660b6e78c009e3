// WWW-Authenticate headers as registries send them.
import { describe, expect, it } from "vitest";
import { parseAuthChallenges } from "@/lib/registry/challenge";

describe("parseAuthChallenges", () => {
  it("reads Basic and Bearer challenges with quoted and bare parameters", () => {
    expect(parseAuthChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: "basic", params: { realm: "Registry Realm" } }]);
    expect(parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/alpine:pull" } },
    ]);
    expect(parseAuthChallenges("Bearer realm=https://ghcr.io/token , service=ghcr.io")).toEqual([{ scheme: "bearer", params: { realm: "https://ghcr.io/token", service: "ghcr.io" } }]);
  });

  it("reads several challenges in one header, escapes in quoted strings, and token68 forms", () => {
    expect(parseAuthChallenges('Negotiate abc123==, Basic realm="a \\"quoted\\" realm", Bearer realm="r"')).toEqual([
      { scheme: "negotiate", params: {} },
      { scheme: "basic", params: { realm: 'a "quoted" realm' } },
      { scheme: "bearer", params: { realm: "r" } },
    ]);
  });

  it("gives nothing for an empty or meaningless header", () => {
    expect(parseAuthChallenges("")).toEqual([]);
    expect(parseAuthChallenges("   ,  ")).toEqual([]);
  });
});
