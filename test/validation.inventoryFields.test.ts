// lib/validation/inventory-fields.ts: the field rules forms, the API and slipway.yml share.
import { describe, expect, test } from "vitest";
import {
  argvEntryProblem,
  argvText,
  branchNameProblem,
  hostPathProblem,
  normalizeHostPath,
  systemdUnit,
  gitUrl,
  hostAddressProblem,
  parseImageReference,
  relativePathProblem,
  duration,
  formatDuration,
  normalizeRelativePath,
  unikernelServiceName,
  UNIKERNEL_SERVICE_NAME,
} from "@/lib/validation/inventory-fields";
import { readDockerEndpoint } from "@/lib/docker/endpoint";

describe("branch names (git check-ref-format, no leading dash)", () => {
  test.each(["main", "live", "live-ci3", "feature/x", "release/1.2", "a.b", "über"])("%s is valid", (b) => expect(branchNameProblem(b)).toBeNull());
  test.each([
    ["-x", /'-'/],
    ["--upload-pack=x", /'-'/],
    ["a..b", /'\.\.'/],
    ["a b", /spaces/],
    ["a~1", /~/],
    ["a^", /\^/],
    ["a:b", /:/],
    ["a?", /\?/],
    ["a*", /\*/],
    ["a[", /\[/],
    ["a\\b", /\\/],
    ["a/", /'\/'/],
    ["/a", /'\/'/],
    ["a//b", /'\/\/'/],
    ["a.", /'\.'/],
    ["a/.b", /starting with '\.'/],
    ["a.lock", /\.lock/],
    ["a@{1}", /@\{/],
    ["@", /'@'/],
    ["refs/heads/main", /without refs\/heads/],
    ["", /required/],
  ])("%s is refused", (b, why) => expect(branchNameProblem(b)).toMatch(why));
});

describe("image references (distribution reference grammar, with a tag)", () => {
  test.each([
    ["ocurrent/base-images:live", { domain: "docker.io", path: "ocurrent/base-images", tag: "live" }],
    ["redis:7", { domain: "docker.io", path: "library/redis", tag: "7" }],
    ["127.0.0.1:5000/slipway/app:main", { domain: "127.0.0.1:5000", path: "slipway/app", tag: "main" }],
    ["ghcr.io/org/sub/app:v1.2.3", { domain: "ghcr.io", path: "org/sub/app", tag: "v1.2.3" }],
    ["localhost/app:x_y", { domain: "localhost", path: "app", tag: "x_y" }],
    ["registry.example.org:443/a__b/c--d:T", { domain: "registry.example.org:443", path: "a__b/c--d", tag: "T" }],
  ])("%s", (ref, want) => expect(parseImageReference(ref)).toEqual(want));
  test.each([
    ["ocurrent/base-images", /needs a tag/],
    ["Ocurrent/app:live", /lowercase/],
    ["app:-bad", /tag/],
    [`app:${"x".repeat(129)}`, /tag/],
    ["app@sha256:abc", /digest/],
    ["a/-b:live", /lowercase/],
    ["exa_mple.org/app:live", /lowercase|registry/],
    ["app:", /tag/],
  ])("%s is refused", (ref, why) => {
    const r = parseImageReference(ref);
    expect("problem" in r ? r.problem : "").toMatch(why);
  });
});

describe("paths inside the repository", () => {
  test.each(["Dockerfile", "docker/web.Dockerfile", "./Dockerfile", "a/./b"])("%s is fine", (p) => expect(relativePathProblem(p)).toBeNull());
  test.each(["/etc/passwd", "../x", "a/../../b", "a\\b", "-f", "a\u0000b"])("%s is refused", (p) => expect(relativePathProblem(p)).not.toBeNull());
  test("normalized", () => {
    expect(normalizeRelativePath("./docker//web/./Dockerfile")).toBe("docker/web/Dockerfile");
    expect(normalizeRelativePath(".")).toBe("");
  });
});

describe("host addresses and endpoints", () => {
  test.each(["toxis.example.org", "localhost", "203.0.113.7", "2001:db8::1", "[2001:db8::1]", "ci3.ocamllabs.io."])("%s is an address", (a) => expect(hostAddressProblem(a)).toBeNull());
  test.each(["-oProxyCommand=x", "exa mple.org", "300.1.1.1", "a_b.example.org", "", "host;rm"])("%s is not", (a) => expect(hostAddressProblem(a)).not.toBeNull());
  test("docker endpoints", () => {
    expect(readDockerEndpoint("unix:///var/run/docker.sock")).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(readDockerEndpoint("ssh://root@toxis.example.org")).toEqual({ kind: "ssh", user: "root", host: "toxis.example.org", port: 22 });
    expect(readDockerEndpoint("ssh://deploy@[2001:db8::1]:2222")).toEqual({ kind: "ssh", user: "deploy", host: "2001:db8::1", port: 2222 });
    for (const [bad, why] of [
      ["ssh://toxis", /user/],
      ["tcp://toxis:2375", /ssh:\/\//],
      ["unix://relative.sock", /absolute/],
      ["ssh://root@-oProxyCommand=x", /host/],
      ["ssh://-l@toxis", /user name/],
      ["ssh://root@toxis:99999", /port/],
      ["http://toxis", /ssh:\/\//],
    ] as const) {
      const r = readDockerEndpoint(bad);
      expect("problem" in r ? r.problem : "", bad).toMatch(why);
    }
  });
});

describe("git URLs", () => {
  test.each(["https://github.com/ocurrent/ocurrent-deployer.git", "ssh://git@host/x.git", "git@github.com:owner/name.git", "file:///srv/git/app.git", "git://host/x"])("%s is accepted", (u) =>
    expect(gitUrl.safeParse(u).success).toBe(true),
  );
  test.each(["ext::sh -c id", "-uhttps://x", "fd::17", "ftp://x/y", "https://", "not a url", "file://relative"])("%s is refused", (u) => expect(gitUrl.safeParse(u).success).toBe(false));
});

describe("durations", () => {
  const d = duration(60, 86400);
  test.each([[3000, 3000], ["3000", 3000], ["50m", 3000], ["1h30m", 5400], ["1d", 86400]])("%s → %s s", (input, s) => expect(d.parse(input)).toBe(s));
  test.each(["5s", "2d", "fifty", "-5", "1.5h"])("%s is refused", (input) => expect(d.safeParse(input).success).toBe(false));
  test("formatted back", () => expect([3000, 5400, 45, 86400].map(formatDuration)).toEqual(["50m", "1h30m", "45s", "1d"]));
});

describe("unikernel service names (ocurrent-deployer's rule: a file name, a systemd unit, an albatross VM)", () => {
  test.each(["www", "mirage-www", "mirage_www", "a", "Www2", "a-b_c-1"])("%s is valid", (name) => expect(unikernelServiceName.safeParse(name).success).toBe(true));
  test.each(["", "1www", "-www", "_www", "www.example", "www/x", "../x", "w w", "www;id", "$(id)", "w\nw", "ü", "a".repeat(64)])("%j is refused, saying what is allowed", (name) => {
    const r = unikernelServiceName.safeParse(name);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/letters, digits, '-' and '_', starting with a letter|is required|at most 63/);
  });
  test("the pattern is exported for programs that check names again", () => {
    expect(UNIKERNEL_SERVICE_NAME.source).toBe("^[A-Za-z][-0-9A-Za-z_]*$");
  });
});

describe("paths on a host (a unikernel dir, an artifact repository)", () => {
  const dir = { example: "/var/lib/slipway/unikernels" };
  const repo = { home: true, example: "/srv/git/d.git" };
  test.each(["/var/lib/slipway/unikernels", "/srv/unikernels/", "/a b/c"])("dir %s is valid", (p) => expect(hostPathProblem(p, dir)).toBeNull());
  test.each([
    ["var/lib", /absolute/],
    ["~/unikernels", /absolute/],
    ["/var/../etc", /'\.\.'/],
    ["/var/lib/\n", /control/],
    ["/", /root directory/],
    ["//.", /root directory/],
    ["", /required/],
  ])("dir %j is refused", (p, why) => expect(hostPathProblem(p, dir)).toMatch(why));
  test.each(["/srv/git/d.git", "~/d.git"])("artifact repository %s is valid", (p) => expect(hostPathProblem(p, repo)).toBeNull());
  test.each([
    ["d.git", /SSH user's home/],
    ["~root/d.git", /not ~user/],
    ["~", /not ~user|home/],
    ["~/", /home directory/],
    ["~/../d.git", /'\.\.'/],
  ])("artifact repository %j is refused", (p, why) => expect(hostPathProblem(p, repo)).toMatch(why));
  test.each([
    ["/var//lib/./x/", "/var/lib/x"],
    ["~/a//b/", "~/a/b"],
  ])("%s is kept as %s", (p, want) => expect(normalizeHostPath(p)).toBe(want));
});

describe("restart commands", () => {
  test.each([
    ["mirage-redeploy", 0],
    ["/usr/local/bin/mirage-redeploy", 0],
    ["{service}", 1],
    ["{file}", 2],
    ["--sha256", 1],
    ["--json={\"a\":1}", 1],
  ] as const)("%s at %i is fine", (arg, i) => expect(argvEntryProblem(arg, i)).toBeNull());
  test.each([
    ["{service}", 0, /not a placeholder/],
    ["-x", 0, /command name/],
    ["a b", 0, /without spaces/],
    ["/usr/../bin/x", 0, /'\.\.'/],
    ["--file={file}", 1, /whole argument/],
    ["{service}.hvt", 1, /whole argument/],
    ["{serv}", 1, /unknown placeholder/],
  ] as const)("%s at %i is refused", (arg, i, why) => expect(argvEntryProblem(arg, i)).toMatch(why));
  test("argvText quotes what has spaces or quotes", () => expect(argvText(["mirage-redeploy", "{service}", "a b", 'x"y'])).toBe('mirage-redeploy {service} "a b" "x\\"y"'));
  test.each(["unikernel@www", "mirage-www.service", "unikernel@www.service", "a:b_c"])("unit %s is valid", (u) => expect(systemdUnit.safeParse(u).success).toBe(true));
  test.each(["-x", ".x", "a b", "a;b", "unikernel@", "a@b@c", "a/b"])("unit %j is refused", (u) => expect(systemdUnit.safeParse(u).success).toBe(false));
});
