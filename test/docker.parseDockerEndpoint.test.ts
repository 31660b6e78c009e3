// The endpoints a Docker context may have, and the words for the ones it may not.
import { describe, expect, it } from "vitest";
import { DockerEndpointError, formatDockerEndpoint, parseDockerEndpoint } from "@/lib/docker/endpoint";

function refusal(text: string): string {
  try {
    parseDockerEndpoint(text);
  } catch (err) {
    expect(err).toBeInstanceOf(DockerEndpointError);
    return (err as Error).message;
  }
  throw new Error(`${text} was accepted`);
}

describe("parseDockerEndpoint", () => {
  it("accepts a unix socket by its absolute path", () => {
    expect(parseDockerEndpoint("unix:///var/run/docker.sock")).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(parseDockerEndpoint("  unix:///run/user/1000/docker.sock\n")).toEqual({ kind: "unix", socketPath: "/run/user/1000/docker.sock" });
  });

  it("accepts ssh://user@host with port 22 by default, a port, IPv4 and bracketed IPv6 addresses", () => {
    expect(parseDockerEndpoint("ssh://deploy@build1.example.org")).toEqual({ kind: "ssh", user: "deploy", host: "build1.example.org", port: 22 });
    expect(parseDockerEndpoint("ssh://root@127.0.0.1:2222")).toEqual({ kind: "ssh", user: "root", host: "127.0.0.1", port: 2222 });
    expect(parseDockerEndpoint("ssh://deploy@[2001:db8::7]:2200")).toEqual({ kind: "ssh", user: "deploy", host: "2001:db8::7", port: 2200 });
    expect(parseDockerEndpoint("ssh://deploy@[::1]")).toEqual({ kind: "ssh", user: "deploy", host: "::1", port: 22 });
    expect(parseDockerEndpoint("SSH://deploy@toxis/")).toEqual({ kind: "ssh", user: "deploy", host: "toxis", port: 22 });
  });

  it("writes endpoints back in the form it reads", () => {
    for (const text of ["unix:///var/run/docker.sock", "ssh://deploy@toxis", "ssh://root@127.0.0.1:2222", "ssh://deploy@[2001:db8::7]:2200"]) {
      expect(formatDockerEndpoint(parseDockerEndpoint(text))).toBe(text);
    }
  });

  it("refuses tcp:// and http(s):// and points to ssh:// through a registered host", () => {
    for (const text of ["tcp://10.0.0.5:2375", "tcp://build1:2376", "https://build1:2376"]) {
      expect(refusal(text)).toMatch(/not supported: use ssh:\/\/user@host through a registered host so its pinned keys apply/);
    }
  });

  it("refuses relative and empty socket paths, '..' and paths too long for a unix socket", () => {
    expect(refusal("unix://var/run/docker.sock")).toBe(
      'the socket path "var/run/docker.sock" is relative; give an absolute path with three slashes, such as unix:///var/run/docker.sock',
    );
    expect(refusal("unix://")).toMatch(/needs the socket's absolute path/);
    expect(refusal("unix:///var/run/../docker.sock")).toMatch(/must not contain '\.\.'/);
    expect(refusal(`unix:///${"d".repeat(120)}/docker.sock`)).toMatch(/longer than 107 bytes/);
    expect(refusal("/var/run/docker.sock")).toBe("write unix:///var/run/docker.sock for a socket path");
  });

  it("refuses ssh:// without a user, with a password, or with a user that is not a user name", () => {
    expect(refusal("ssh://build1.example.org")).toBe("the endpoint names no user; write ssh://user@build1.example.org, with the user Slipway logs in as");
    const withPassword = refusal("ssh://deploy:hunter2@build1");
    expect(withPassword).toMatch(/must not carry a password/);
    expect(withPassword).not.toContain("hunter2");
    expect(refusal("ssh://-oProxyCommand=x@build1")).toMatch(/is not a user name/);
    expect(refusal("ssh://@build1")).toMatch(/is not a user name/);
  });

  it("refuses ports out of range or not numbers", () => {
    expect(refusal("ssh://deploy@build1:0")).toBe('the port "0" is not a port number from 1 to 65535');
    expect(refusal("ssh://deploy@build1:65536")).toMatch(/from 1 to 65535/);
    expect(refusal("ssh://deploy@build1:ssh")).toMatch(/from 1 to 65535/);
    expect(refusal("ssh://deploy@build1:")).toMatch(/from 1 to 65535/);
  });

  it("refuses hosts that look like options, invalid addresses and unbracketed IPv6", () => {
    expect(refusal("ssh://deploy@-oProxyCommand=touch")).toMatch(/starts with '-', which ssh would read as an option/);
    expect(refusal("ssh://deploy@999.1.1.1")).toBe('"999.1.1.1" is not a valid IPv4 address');
    expect(refusal("ssh://deploy@bad_host!")).toMatch(/is not a host name or an IP address/);
    expect(refusal("ssh://deploy@2001:db8::7")).toBe("write an IPv6 address in brackets, such as ssh://deploy@[2001:db8::7]:22");
    expect(refusal("ssh://deploy@[not-v6]:22")).toMatch(/is not an IPv6 address in brackets/);
    expect(refusal("ssh://deploy@")).toMatch(/names no host/);
  });

  it("refuses paths, queries and other schemes", () => {
    expect(refusal("ssh://deploy@build1/var/run/docker.sock")).toMatch(/without a path, query or fragment/);
    expect(refusal("ssh://deploy@build1?x=1")).toMatch(/without a path, query or fragment/);
    expect(refusal("npipe:////./pipe/docker_engine")).toMatch(/not supported/);
    expect(refusal("fd://")).toMatch(/is not a Docker endpoint Slipway uses/);
    expect(refusal("build1:2375")).toMatch(/has no scheme/);
    expect(refusal("")).toMatch(/no endpoint given/);
  });
});
