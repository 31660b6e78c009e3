// A release's signed provenance on its page: what the statement says (subject, commit, builder, times), the
// key that signed it, where the attestation is, and how the last deployment's check ended; the statement
// JSON to download.
import Link from "next/link";
import type { ReleaseProvenanceView } from "@/lib/queries/release-provenance";
import { Fact } from "@/components/ui/forms/panel";
import { Badge } from "@/components/ui/badge";
import { Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";

const muted = "text-zinc-500 dark:text-zinc-400";

const checkWords = {
  verified: { tone: "emerald", label: "Verified" },
  unsigned_allowed: { tone: "amber", label: "Unsigned, allowed by the target" },
  before_signing: { tone: "amber", label: "Not checked: recorded before Slipway signed releases" },
  failed: { tone: "red", label: "Refused" },
} as const;

function When({ iso }: { iso: string | null }) {
  if (!iso) return <span className={muted}>not recorded</span>;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? <Mono>{iso}</Mono> : <Timestamp date={d} />;
}

export function ProvenanceFacts({ p }: { p: ReleaseProvenanceView }) {
  const last = p.lastCheck;
  const check = last ? (
    <div className="col-span-2 lg:col-span-3">
      <Fact term="Last deployment's check">
        <span className="flex flex-wrap items-center gap-2">
          <Badge tone={checkWords[last.result].tone}>{checkWords[last.result].label}</Badge>
          <span className={`text-xs ${muted}`}>
            <Link href={`/deployments/${last.deploymentId}`} className="hover:underline">
              deployment to {last.target.name}
            </Link>
            , <Timestamp date={last.at} />
          </span>
        </span>
        {last.detail ? <span className="mt-1 block text-sm break-words">{last.detail}</span> : null}
      </Fact>
    </div>
  ) : (
    <div className="col-span-2 lg:col-span-3">
      <Fact term="Last deployment's check">
        <span className={muted}>not deployed yet: the signature is checked before every deployment and rollback</span>
      </Fact>
    </div>
  );
  if (p.status !== "signed") {
    return (
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
        <div className="col-span-2 lg:col-span-3">
          <Fact term="Signed provenance">
            {p.status === "before_signing" ? (
              <span>recorded before Slipway signed releases: it deploys with a warning in the log, without a check</span>
            ) : (
              <span>none stored for this release: a deployment checks the registry for its attestation</span>
            )}
          </Fact>
        </div>
        {check}
      </dl>
    );
  }
  return (
    <>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
        <div className="col-span-2 lg:col-span-3">
          <Fact term="Subject">
            <ul className="space-y-0.5">
              {p.subject.map((s) => (
                <li key={`${s.name}@${s.sha256}`}>
                  <Mono className="break-all">{`${s.name}@sha256:${s.sha256}`}</Mono>
                </li>
              ))}
            </ul>
          </Fact>
        </div>
        <Fact term="Source">
          <Mono className="break-all">{p.repository ?? "?"}</Mono>
          <span className={`block text-xs ${muted}`}>
            <Mono small>{p.ref ?? "?"}</Mono>
          </span>
        </Fact>
        <Fact term="Commit">
          <Mono className="break-all">{p.commit ?? "?"}</Mono>
        </Fact>
        <Fact term="Builder">
          <Mono className="break-all">{p.builder?.id ?? "?"}</Mono>
          {p.builder?.version ? <span className={`block text-xs ${muted}`}>Slipway {p.builder.version}</span> : null}
        </Fact>
        <Fact term="Build started">
          <When iso={p.startedOn} />
        </Fact>
        <Fact term="Build finished">
          <When iso={p.finishedOn} />
        </Fact>
        <Fact term="Key id">
          <Mono className="break-all">{p.keyId ?? "?"}</Mono>
        </Fact>
        {p.attestation ? (
          <div className="col-span-2 lg:col-span-3">
            <Fact term="Attestation in the registry">
              <Mono className="break-all">{p.attestation.ref}</Mono>
              <span className={`block text-xs ${muted}`}>
                manifest <Mono small className="break-all">{p.attestation.digest}</Mono>
              </span>
            </Fact>
          </div>
        ) : null}
        {check}
      </dl>
      <p className="mt-4 text-sm">
        <a href={`/api/releases/${p.releaseId}/provenance`} download className="link">
          Download the statement (JSON)
        </a>
      </p>
    </>
  );
}
