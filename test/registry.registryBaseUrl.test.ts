// Which URL a registry address means: https by default, plain http only for loopback (like dockerd) or when
// written out, Docker Hub's names mapped to its API host.
import { describe, expect, it } from "vitest";
import { RegistryAddressError } from "@/lib/registry/address";
import { registryBaseUrl } from "@/lib/registry/login";

function refusal(url: string): string {
  try {
    registryBaseUrl(url);
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryAddressError);
    return (err as Error).message;
  }
  throw new Error(`${url} was accepted`);
}

describe("registryBaseUrl", () => {
  it("uses https for host[:port]", () => {
    expect(registryBaseUrl("ghcr.io")).toBe("https://ghcr.io");
    expect(registryBaseUrl("registry.example.org:5443/")).toBe("https://registry.example.org:5443");
    expect(registryBaseUrl("10.0.0.5:5000")).toBe("https://10.0.0.5:5000");
  });

  it("uses plain http for loopback addresses, as dockerd's default insecure registries (127.0.0.0/8)", () => {
    expect(registryBaseUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(registryBaseUrl("127.1.2.3:5000")).toBe("http://127.1.2.3:5000");
    expect(registryBaseUrl("localhost:5000")).toBe("http://localhost:5000");
    expect(registryBaseUrl("[::1]:5000")).toBe("http://[::1]:5000");
  });

  it("keeps a scheme that was written out", () => {
    expect(registryBaseUrl("http://registry.lan:5000")).toBe("http://registry.lan:5000");
    expect(registryBaseUrl("https://127.0.0.1:5443")).toBe("https://127.0.0.1:5443");
    expect(registryBaseUrl("HTTPS://Registry.Example.org")).toBe("https://registry.example.org");
  });

  it("maps Docker Hub's names to its API host", () => {
    for (const name of ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io", "https://docker.io/"]) {
      expect(registryBaseUrl(name)).toBe("https://registry-1.docker.io");
    }
  });

  it("refuses paths, credentials in the address, other schemes and nothing", () => {
    expect(refusal("ghcr.io/ocurrent/base")).toMatch(/without a path/);
    const withPassword = refusal("https://ci:hunter2@registry.example.org");
    expect(withPassword).toBe("the registry address must not carry a user or password; give them in the username and password fields");
    expect(refusal("ftp://registry.example.org")).toMatch(/^ftp:\/\/ is not a registry address/);
    expect(refusal("  ")).toMatch(/no registry address given/);
    expect(refusal("exa mple.org")).toMatch(/is not a registry address/);
  });
});
