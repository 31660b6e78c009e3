// The test sshd itself: SetEnv reaches sessions (the Docker-over-SSH tests rely on DOCKER_HOST), and stop()
// frees the port and removes the directory.
import { existsSync } from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { openSsh } from "@/lib/ssh/connect";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { startSshd } from "@/test/helpers/sshd";

function exec(client: Awaited<ReturnType<typeof openSsh>>, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let out = "";
      stream.on("data", (d: Buffer) => (out += d.toString()));
      stream.on("close", () => resolve(out));
    });
  });
}

describe("startSshd", () => {
  it("passes SetEnv values to sessions, and stop() frees the port and removes its directory", async () => {
    const deployer = generateDeployerKeyPair("slipway@test");
    const sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: "unix:///tmp/some dir/docker.sock", SLIPWAY_SECOND: "both" } });
    const client = await openSsh({ address: sshd.address, port: sshd.port, user: sshd.user, pinnedKeys: sshd.hostKeys, privateKey: deployer.privateKey });
    try {
      expect(await exec(client, 'printf %s "$DOCKER_HOST"')).toBe("unix:///tmp/some dir/docker.sock");
      // every variable, not only the first (sshd ignores a second SetEnv line)
      expect(await exec(client, 'printf %s "$SLIPWAY_SECOND"')).toBe("both");
      expect((await exec(client, "id -un")).trim()).toBe(sshd.user);
    } finally {
      client.end();
    }
    await sshd.stop();
    expect(existsSync(sshd.dir)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port: sshd.port });
      socket.on("connect", () => (socket.destroy(), resolve(false)));
      socket.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
