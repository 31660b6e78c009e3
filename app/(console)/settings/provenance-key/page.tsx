// Settings → Provenance key: the public half of the ECDSA P-256 key that signs every release's provenance,
// to copy or download (slipway-provenance.pub) for `cosign verify-attestation --key` or openssl.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { activeProvenanceKey } from "@/lib/queries/release-provenance";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Timestamp } from "@/components/ui/timestamp";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CopyableText } from "@/components/ui/forms/copy-button";

export const metadata: Metadata = { title: "Provenance key" };

export default async function ProvenanceKeyPage() {
  await requirePageUser("console.view", "/settings/provenance-key");
  const key = await activeProvenanceKey();
  return (
    <>
      <PageHeader
        title="Provenance key"
        description="Slipway signs the provenance of every release it builds (an in-toto statement with SLSA provenance, in a DSSE envelope) with its own ECDSA P-256 key, and checks that signature before every deploy and rollback. The private half is encrypted at rest and never leaves the server."
      />
      {key ? (
        <Panel
          id="provenance-key-heading"
          title="Public key"
          description={
            <>
              Verify a release with <code className="font-mono">cosign verify-attestation --key slipway-provenance.pub --type slsaprovenance1 --insecure-ignore-tlog=true IMAGE@DIGEST</code> (Slipway uses no transparency log; see
              docs/provenance.md).
            </>
          }
        >
          <CopyableText text={key.publicKeyPem.trim()} label="Copy the provenance public key" />
          <p className="mt-3 text-sm">
            <a href="/api/provenance-key" download="slipway-provenance.pub" className="link">
              Download slipway-provenance.pub
            </a>
          </p>
          <dl className="mt-4 grid gap-4 sm:grid-cols-2">
            <Fact term="Key id">
              <code className="font-mono break-all">{key.keyId}</code>
            </Fact>
            <Fact term="Created">
              <Timestamp date={key.createdAt} />
            </Fact>
          </dl>
        </Panel>
      ) : (
        <EmptyState title="No provenance key yet">
          <p>
            Slipway generates it when the console or a worker starts (<code className="font-mono">npm start</code> or <code className="font-mono">npm run worker</code>), or with the first release it signs.
          </p>
        </EmptyState>
      )}
    </>
  );
}
