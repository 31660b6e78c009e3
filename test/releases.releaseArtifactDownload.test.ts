// GET /api/releases/:id/artifact, called as the server does with a signed-in viewer's cookie: the unikernel
// file of a release, read from a real registry with htpasswd auth (the deployment rule's registry and its
// stored password) out of an image built from a real kernel, checked against the release's sha256, streamed
// as an attachment; errors in words with the right status; no temporary file left behind either way.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NextRequest } from "next/server";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/cookies";
import { saveRegistry } from "@/lib/services/inventory/entities";
import { ArtifactTimeoutError, fetchReleaseArtifact } from "@/lib/services/releases/artifact";
import { GET as download } from "@/app/api/releases/[id]/artifact/route";
import { actorFor, createSession, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { buildTestKernel } from "@/test/helpers/unikernel";
import { pushUnikernelImage, type UnikernelImage } from "@/test/helpers/unikernel-images";

const CREDENTIALS = { username: "deployer", password: "artifact-pass-1" };

let dockerd: TestDockerd;
let registry: TestRegistry;
let admin: TestUser;
let viewerCookie: string;
let image: UnikernelImage;
let kernel: Buffer;
let registryId: string;
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = "8".repeat(64);
  resetEnvCache();
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry({ htpasswd: CREDENTIALS })]);
  const file = await buildTestKernel({ version: "www-download", variant: "service" });
  kernel = readFileSync(file);
  image = await pushUnikernelImage(dockerd.docker, { repo: `${registry.url}/mirage/www`, tag: "hvt-1", kernel: file, auth: { ...CREDENTIALS, serveraddress: registry.url } });
  admin = await createUser("admin");
  const viewer = await createUser("viewer");
  viewerCookie = await createSession(viewer.id, new Date(Date.now() + 3600_000));
  registryId = (await saveRegistry(actorFor(admin), { name: "private", url: registry.url, username: CREDENTIALS.username, password: CREDENTIALS.password })).id;
}, 180_000);

afterAll(async () => {
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

/** A unikernel release of `image` (or a docker one) under a rule on `registry`, with a target running service `www`. */
async function seed(opts: { sha256?: string; docker?: boolean } = {}) {
  n++;
  const db = getDb();
  const repo = await db.repository.create({ data: { name: `mirage/www${n}`, provider: "git", url: `https://git.example.test/mirage/www${n}.git` } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "hvt", kind: opts.docker ? "docker" : "unikernel", unikernelTarget: opts.docker ? null : "hvt" } });
  const deployRule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "master", image: `${image.repo}:live-hvt`, registryId } });
  await db.target.create({ data: { deploymentRuleId: deployRule.id, name: `ukhost/www${n}`, kind: "unikernel", service: "www" } });
  const sha = createHash("sha1").update(`commit ${n}`).digest("hex");
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha } });
  const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "poll" } });
  const release = await db.release.create({
    data: {
      buildId: build.id, deploymentRuleId: deployRule.id, imageRepo: image.repo, tag: image.tag, digest: image.digest,
      ...(opts.docker ? {} : { artifactPath: image.path, artifactSha256: opts.sha256 ?? image.sha256, artifactSize: BigInt(image.size), artifactTarget: "hvt" as const }),
    },
  });
  return { releaseId: release.id, sha };
}

function request(id: string, cookie: string | null = viewerCookie) {
  return new NextRequest(`http://127.0.0.1/api/releases/${id}/artifact`, { headers: cookie ? { cookie: `${sessionCookieName()}=${cookie}` } : {} });
}
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const leftovers = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith("slipway-download-")).length;

describe("GET /api/releases/:id/artifact", () => {
  test("a viewer downloads the release's file from the registry with the rule's credentials: named, sized, checksummed", async () => {
    const { releaseId, sha } = await seed();
    const before = leftovers();
    const res = await download(request(releaseId), ctx(releaseId));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="www-${sha.slice(0, 12)}.hvt"`);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-length")).toBe(String(kernel.length));
    expect(res.headers.get("x-checksum-sha256")).toBe(image.sha256);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(kernel)).toBe(true);
    // deleted before the first byte was sent
    expect(leftovers()).toBe(before);
  });

  test("errors in words with their status: signed out 401, no such release 404, a docker release 404", async () => {
    const { releaseId } = await seed();
    const out = await download(request(releaseId, null), ctx(releaseId));
    expect(out.status).toBe(401);
    expect(await out.json()).toMatchObject({ code: "unauthenticated" });
    const missing = await download(request("no-such-release"), ctx("no-such-release"));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toBe("There is no release with id no-such-release; it may have been removed with its repository.");
    const docker = await seed({ docker: true });
    const res = await download(request(docker.releaseId), ctx(docker.releaseId));
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/^This release has no unikernel file: it was built by a docker build rule/);
  });

  test("a file whose sha256 is not the release's is never sent (502), and nothing is left on disk", async () => {
    const { releaseId } = await seed({ sha256: "0".repeat(64) });
    const before = leftovers();
    const res = await download(request(releaseId), ctx(releaseId));
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.code).toBe("artifact_unavailable");
    expect(body.error).toContain(`has sha256 ${image.sha256}, but the release says ${"0".repeat(64)}`);
    expect(body.error).toMatch(/^Nothing was sent: /);
    expect(leftovers()).toBe(before);
  });

  test("credentials the registry refuses: 502 that says where to fix them", async () => {
    const { releaseId } = await seed();
    await saveRegistry(actorFor(admin), { id: registryId, name: "private", url: registry.url, username: CREDENTIALS.username, password: "wrong-password" });
    try {
      const res = await download(request(releaseId), ctx(releaseId));
      expect(res.status).toBe(502);
      const { error } = await res.json();
      expect(error).toMatch(/^Reading \/unikernel\.hvt in .* from the registry failed: /);
      expect(error).toContain("Settings → Registries");
    } finally {
      await saveRegistry(actorFor(admin), { id: registryId, name: "private", url: registry.url, username: CREDENTIALS.username, password: CREDENTIALS.password });
    }
  });

  test("a registry that does not answer in time: 504 in words", async () => {
    // accepts connections and never answers
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    const { releaseId } = await seed();
    await getDb().registry.update({ where: { id: registryId }, data: { url: `127.0.0.1:${port}` } });
    try {
      const err = await fetchReleaseArtifact(actorFor(admin), { releaseId }, { directory: os.tmpdir(), signal: new AbortController().signal, timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArtifactTimeoutError);
      expect((err as Error).message).toMatch(/^The registry did not hand over \/unikernel\.hvt in .* within 1 s\. Check that the registry is up and reachable from the console/);
    } finally {
      await getDb().registry.update({ where: { id: registryId }, data: { url: registry.url } });
      silent.close();
    }
  });
});
