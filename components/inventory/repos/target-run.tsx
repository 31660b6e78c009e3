// Under a target's service, in the repository page and the Services page: how a unikernel is restarted and
// where its files are, or where an artifact repository keeps them. Nothing for swarm and compose services.
import type { TargetKindName, TargetRunFields } from "@/lib/queries/inventory-repos";
import { argvText } from "@/lib/validation/inventory-constants";
import { Mono } from "@/components/ui/table";
import { unikernelRun } from "@/components/inventory/repos/words";

const line = "mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400";

export function TargetRun({ target: t }: { target: TargetRunFields & { kind: TargetKindName; service: string } }) {
  if (t.kind === "artifact_repository") {
    return (
      <span className={line}>
        git <Mono small className="wrap-anywhere">{t.artifactRepoPath ?? "?"}</Mono> branch <Mono small>{t.artifactRepoBranch ?? "main"}</Mono>
      </span>
    );
  }
  if (t.kind !== "unikernel") return null;
  const run = unikernelRun(t);
  return (
    <>
      <span className={line}>
        {run.method === "command" ? (
          <>
            restarted by <Mono small className="wrap-anywhere">{argvText(t.restartArgv)}</Mono>
          </>
        ) : run.method === "albatross" ? (
          <>
            albatross, {run.memoryMib} MiB
            {t.networks.length ? (
              <>
                {" "}
                on <Mono small>{t.networks.join(", ")}</Mono>
              </>
            ) : null}
            {t.bootArgs.length ? (
              <>
                , boot arguments <Mono small className="wrap-anywhere">{argvText(t.bootArgs)}</Mono>
              </>
            ) : null}
          </>
        ) : (
          <>
            systemd unit <Mono small>{run.unit}</Mono>
          </>
        )}
      </span>
      <span className={line}>
        files in <Mono small className="wrap-anywhere">{`${run.dir}/`}</Mono>, {t.keepArtifacts} kept
      </span>
    </>
  );
}
