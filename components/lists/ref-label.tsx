// A branch or pull request, as a build names it.
import { Mono } from "@/components/ui/table";
import { visibleText } from "@/components/format/visible-text";

export interface RefView {
  kind: string;
  name: string;
  prNumber: number | null;
}

export function RefLabel({ value: r, small = false }: { value: RefView; small?: boolean }) {
  if (r.kind === "pull_request") {
    return <span className="whitespace-nowrap">PR #{r.prNumber ?? r.name.replace(/^pull\/(\d+)\/head$/, "$1")}</span>;
  }
  return (
    <Mono small={small} className="whitespace-nowrap">
      {visibleText(r.name)}
    </Mono>
  );
}
