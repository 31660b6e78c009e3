// How a unikernel target runs on its host, as facts of the target's page: the host (linked), the restart
// method in words (a systemd unit; an albatross VM with its memory, networks and boot arguments; a command's
// argv), the directory its files are in, and how many are kept.
import Link from "next/link";
import type { TargetRunFields } from "@/lib/queries/inventory-repos";
import { argvText } from "@/lib/validation/inventory-fields";
import { Fact } from "@/components/ui/forms/panel";
import { Mono } from "@/components/ui/table";
import { unikernelRun } from "@/components/inventory/repos/words";

const sub = "mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400";

export function UnikernelFacts({
  service,
  host,
  run: fields,
}: {
  service: string;
  host: { id: string; name: string; address: string; port: number; user: string } | null;
  run: TargetRunFields;
}) {
  const run = unikernelRun({ ...fields, service });
  return (
    <>
      <div className="col-span-2">
        <Fact term="Host">
          {host ? (
            <>
              <Link href={`/hosts/${host.id}`} className="link">
                {host.name}
              </Link>
              <Mono small className={`${sub} break-all`}>{`${host.user}@${host.address}${host.port === 22 ? "" : `:${host.port}`}`}</Mono>
            </>
          ) : (
            <span className="text-zinc-500 dark:text-zinc-400">none: set one on the target</span>
          )}
        </Fact>
      </div>
      <div className="col-span-2">
        <Fact term="Restarted by">
          {run.method === "command" ? (
            <>
              the command <Mono small className="break-all">{argvText(fields.restartArgv)}</Mono>
              <span className={sub}>run without a shell; {"{file}"}, {"{sha256}"}, {"{commit}"} and {"{service}"} are filled in</span>
            </>
          ) : run.method === "albatross" ? (
            <>
              albatross VM <Mono small>{service}</Mono> with {run.memoryMib} MiB
              <span className={sub}>
                {fields.networks.length ? (
                  <>
                    networks <Mono small>{fields.networks.join(", ")}</Mono>
                  </>
                ) : (
                  "no networks"
                )}
                {fields.bootArgs.length ? (
                  <>
                    {" "}
                    · boot arguments <Mono small className="break-all">{argvText(fields.bootArgs)}</Mono>
                  </>
                ) : null}
              </span>
            </>
          ) : (
            <>
              systemd unit <Mono small>{run.unit}</Mono>
              <span className={sub}>systemctl restart; it boots the file current points to</span>
            </>
          )}
        </Fact>
      </div>
      <div className="col-span-2">
        <Fact term="Files in">
          <Mono small className="break-all">{`${run.dir}/`}</Mono>
          <span className={sub}>
            the {fields.keepArtifacts} newest kept, and always the current and pinned ones
          </span>
        </Fact>
      </div>
    </>
  );
}
