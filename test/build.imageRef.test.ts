// lib/build/image-ref.ts: a deployment rule's image split for push and the registry API, and architectures
// as tag suffixes and manifest-list platforms (arm/v7 cannot go into a tag as it is).
import { describe, expect, test } from "vitest";
import { archPlatform, archTag, splitImageRef } from "@/lib/build/image-ref";

describe("splitImageRef", () => {
  test.each([
    ["127.0.0.1:5000/team/app:live", { repo: "127.0.0.1:5000/team/app", tag: "live", registryHost: "127.0.0.1:5000", path: "team/app" }],
    ["ocurrent/ocaml.org:live", { repo: "ocurrent/ocaml.org", tag: "live", registryHost: "docker.io", path: "ocurrent/ocaml.org" }],
    ["nginx:1.27", { repo: "nginx", tag: "1.27", registryHost: "docker.io", path: "library/nginx" }],
    ["ghcr.io/org/sub/app:v1.2", { repo: "ghcr.io/org/sub/app", tag: "v1.2", registryHost: "ghcr.io", path: "org/sub/app" }],
  ])("%s", (image, parts) => {
    expect(splitImageRef(image)).toEqual(parts);
  });

  test("an image without a tag, or with a digest, fails the build in words", () => {
    expect(() => splitImageRef("ghcr.io/org/app")).toThrow(/the deployment rule's image needs a tag/);
    expect(() => splitImageRef("ghcr.io/org/app:v1@sha256:" + "a".repeat(64))).toThrow(/not a digest/);
  });
});

describe("architectures", () => {
  test("as tag suffixes and manifest-list platforms", () => {
    expect(["amd64", "arm64", "arm/v7"].map(archTag)).toEqual(["amd64", "arm64", "armv7"]);
    expect(archPlatform("arm64")).toEqual({ architecture: "arm64" });
    expect(archPlatform("arm/v7")).toEqual({ architecture: "arm", variant: "v7" });
  });
});
