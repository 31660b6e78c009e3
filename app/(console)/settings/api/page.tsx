// Settings → API: the REST API's reference, rendered from the same OpenAPI document /api/v1/openapi.json
// serves (generated from the registry), grouped by resource: each operation's role, parameters, body and answer.
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/session";
import { openApiDocument } from "@/lib/api/openapi";
import { operations } from "@/lib/api/v1/operations";
import { env } from "@/lib/env";
import { PageHeader } from "@/components/ui/page-header";
import { SchemaView, typeWords, type JsonSchema } from "@/components/api/schema-view";

export const metadata: Metadata = { title: "API reference" };

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

interface OperationDoc {
  operationId: string;
  summary: string;
  description: string;
  parameters: Parameter[];
  requestBody?: { description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

const methodTone: Record<string, string> = {
  GET: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  POST: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
};

function Content({ content }: { content: Record<string, { schema: JsonSchema }> }) {
  return (
    <>
      {Object.entries(content).map(([type, c]) => (
        <div key={type}>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">{type}</p>
          <SchemaView schema={c.schema} />
        </div>
      ))}
    </>
  );
}

export default async function ApiReferencePage() {
  await requirePageUser("console.view", "/settings/api");
  const base = env().SLIPWAY_URL.replace(/\/+$/, "");
  const doc = openApiDocument({ serverUrl: base }) as { paths: Record<string, Record<string, OperationDoc>>; components: { schemas: Record<string, JsonSchema> } };
  const tags = [...new Set(operations.map((o) => o.tag))];
  return (
    <>
      <PageHeader
        title="API reference"
        description={
          <>
            Slipway&apos;s REST API at <code className="font-mono">{base}/api/v1</code>. Send an API token (
            <Link href="/settings/api-tokens" className="underline underline-offset-2">create one</Link>) as <code className="font-mono">Authorization: Bearer slw_…</code>; cookies do not work there.
            Errors are <code className="font-mono">{"{ error: { code, message, issues? } }"}</code>; lists are <code className="font-mono">{"{ items, nextCursor }"}</code>, continued with{" "}
            <code className="font-mono">?cursor=</code>. The machine-readable document: <a href="/api/v1/openapi.json" className="underline underline-offset-2">openapi.json</a>.
          </>
        }
      />
      <nav aria-label="API sections" className="mb-6 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {tags.map((t) => (
          <a key={t} href={`#tag-${t}`} className="text-sky-700 underline underline-offset-2 dark:text-sky-300">
            {t}
          </a>
        ))}
        <a href="#schemas" className="text-sky-700 underline underline-offset-2 dark:text-sky-300">
          Objects
        </a>
      </nav>
      {tags.map((tag) => (
        <section key={tag} id={`tag-${tag}`} aria-labelledby={`tag-${tag}-h`} className="mb-8">
          <h2 id={`tag-${tag}-h`} className="mb-3 text-lg font-semibold text-zinc-900 dark:text-zinc-100">
            {tag}
          </h2>
          <div className="space-y-4">
            {operations
              .filter((o) => o.tag === tag)
              .map((o) => {
                const d = doc.paths[o.path]![o.method.toLowerCase()]!;
                const ok = Object.entries(d.responses).find(([code]) => code.startsWith("2"));
                const errors = Object.keys(d.responses).filter((c) => !c.startsWith("2"));
                return (
                  <article key={o.id} id={`op-${o.id}`} className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
                    <h3 className="flex flex-wrap items-center gap-2 text-sm">
                      <span className={`rounded px-1.5 py-0.5 font-mono text-xs font-semibold ${methodTone[o.method] ?? ""}`}>{o.method}</span>
                      <code className="font-mono font-semibold text-zinc-900 dark:text-zinc-100">/api/v1{o.path}</code>
                      <span className="text-zinc-600 dark:text-zinc-400">— {o.summary}</span>
                    </h3>
                    <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{d.description}</p>
                    {d.parameters.length ? (
                      <div className="mt-3">
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Parameters</h4>
                        <ul className="mt-1 space-y-0.5 text-sm">
                          {d.parameters.map((p) => (
                            <li key={`${p.in}-${p.name}`}>
                              <code className="font-mono text-[0.8125rem] font-medium">{p.name}</code>
                              <span className="text-zinc-500 dark:text-zinc-400"> ({p.in}{p.required ? ", required" : ""}) — </span>
                              {typeWords(p.schema)}
                              {p.description ? <span className="text-zinc-500 dark:text-zinc-400">: {p.description}</span> : null}
                            </li>
                          ))}
                        </ul>
                      </div>
                    ) : null}
                    {d.requestBody ? (
                      <div className="mt-3">
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Body</h4>
                        {d.requestBody.description ? <p className="text-sm">{d.requestBody.description}</p> : null}
                        <Content content={d.requestBody.content} />
                      </div>
                    ) : null}
                    {ok ? (
                      <div className="mt-3">
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Answer {ok[0]}</h4>
                        {ok[1].content ? <Content content={ok[1].content} /> : <p className="text-sm">{ok[1].description}</p>}
                      </div>
                    ) : null}
                    <p className="mt-3 text-xs text-zinc-500 dark:text-zinc-400">Errors: {errors.map((c) => `${c} ${d.responses[c]!.description}`).join(", ")}</p>
                  </article>
                );
              })}
          </div>
        </section>
      ))}
      <section id="schemas" aria-labelledby="schemas-h">
        <h2 id="schemas-h" className="mb-3 text-lg font-semibold text-zinc-900 dark:text-zinc-100">
          Objects
        </h2>
        <div className="grid gap-4 lg:grid-cols-2">
          {Object.entries(doc.components.schemas).map(([name, schema]) => (
            <article key={name} id={`schema-${name}`} className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
              <h3 className="mb-2 font-mono text-sm font-semibold text-zinc-900 dark:text-zinc-100">{name}</h3>
              <SchemaView schema={schema} />
            </article>
          ))}
        </div>
      </section>
    </>
  );
}
