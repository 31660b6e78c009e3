// host-key-rotation in the console: a host whose accepted key it no longer presents (as after a reinstall).
// The scan says the accepted key will be retired; accepting the presented key retires it (audited with both
// fingerprints) and the stale Test result disappears. test/security.host-key-rotation.test.ts covers the
// command against an sshd whose key really changes.
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync } from "node:fs";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const sshd = JSON.parse(process.env.E2E_SSHD ?? "{}") as { port: number; user: string; dir: string; fingerprints: string[] };

/** An ed25519 public key in known_hosts form and its SHA256 fingerprint: the key the host presented before. */
function oldHostKey(): { blob: string; fingerprint: string } {
  const der = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
  const raw = der.subarray(der.length - 32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const blob = Buffer.concat([str(Buffer.from("ssh-ed25519")), str(raw)]);
  return { blob: blob.toString("base64"), fingerprint: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}` };
}

// the host has the e2e sshd's address: removed afterwards so later specs that register that address (and
// find their host by it) see one host there
test.afterAll(async () => {
  await query("DELETE FROM hosts WHERE name = 'rotated' AND NOT EXISTS (SELECT 1 FROM docker_contexts c WHERE c.host_id = hosts.id) AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.host_id = hosts.id)");
});

test("accepting the key a host presents now retires the one it presented before, and clears the stale Test result", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto("/hosts");
  const toggle = page.getByRole("button", { name: "Add host", exact: true }).first();
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  const form = page.getByRole("form", { name: "Add host", exact: true });
  await form.getByLabel("Name").fill("rotated");
  await form.getByLabel("Address").fill("127.0.0.1");
  await form.getByLabel("SSH port").fill(String(sshd.port));
  await form.getByLabel("SSH user").fill(sshd.user);
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/hosts\/[^/]+$/);
  const hostId = new URL(page.url()).pathname.split("/").pop()!;

  // the key accepted before the host was reinstalled, and a Test result that spoke of it
  const old = oldHostKey();
  await query(`INSERT INTO host_keys (id, host_id, algorithm, public_key, fingerprint_sha256) VALUES ('e2e-old-key', $1, 'ssh-ed25519', $2, $3)`, [hostId, old.blob, old.fingerprint]);
  await query(`UPDATE hosts SET last_checked_at = now(), last_check_result = 'Connected to rotated as root with the deployer key (stale).' WHERE id = $1`, [hostId]);
  await page.reload();
  await expect(page.getByText("(stale)").first()).toBeVisible();

  await page.getByRole("button", { name: "Scan host keys" }).click();
  const note = page.getByRole("note");
  await expect(note).toContainText("did not present this accepted key; accepting retires it");
  await expect(note).toContainText(old.fingerprint);
  await expect(page.getByLabel("Keep the keys accepted before as well").first()).not.toBeChecked();
  const fingerprint = sshd.fingerprints[0]!;
  await page.getByRole("checkbox", { name: new RegExp(fingerprint.replace(/[+/]/g, "\\$&")) }).check();
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: "test-results/artifacts/host-key-rotation-scan.png", fullPage: true });
  await page.getByRole("button", { name: "Accept selected keys" }).click();
  await expect(page.getByText(`Retired ${old.fingerprint}`).first()).toBeVisible();

  await expect
    .poll(async () => (await query<{ fingerprint_sha256: string }>("SELECT fingerprint_sha256 FROM host_keys WHERE host_id = $1", [hostId])).map((k) => k.fingerprint_sha256))
    .toEqual([fingerprint]);
  const [event] = await query<{ summary: string }>("SELECT summary FROM audit_events WHERE action = 'host.key_retired' AND subject_id = $1", [hostId]);
  expect(event?.summary).toContain(old.fingerprint);
  expect(event?.summary).toContain(fingerprint);
  const [host] = await query<{ last_check_result: string | null }>("SELECT last_check_result FROM hosts WHERE id = $1", [hostId]);
  expect(host?.last_check_result).toBeNull();
  await page.reload();
  await expect(page.getByText("(stale)")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Host keys" }).getByText(old.fingerprint)).toHaveCount(0);
  await page.screenshot({ path: "test-results/artifacts/host-key-rotation-after.png", fullPage: true });
});
