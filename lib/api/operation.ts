// What one /api/v1 operation is: method, path, who may call it and its zod schemas. The registry
// (lib/api/v1/operations.ts) lists them all; the route wrapper (lib/api/route.ts) enforces them and the
// OpenAPI document (lib/api/openapi.ts) is generated from them, so the three can never disagree.
// zod only: the proxy imports the registry to answer 404/405 for paths and methods nobody serves.
import type { z } from "zod";
import type { Role } from "@/lib/generated/prisma/enums";
import type { ScopedSubject } from "@/lib/api/scoped-subjects";

export type HttpMethod = "GET" | "POST";

/** A body or answer that is not JSON: its media type and what it holds. */
export interface RawContent {
  contentType: "text/plain" | "text/yaml" | "text/csv" | "application/x-ndjson" | "application/json";
  description: string;
}

export interface Operation {
  /** the OpenAPI operationId, e.g. "getBuild" */
  id: string;
  method: HttpMethod;
  /** OpenAPI path template under /api/v1, e.g. "/builds/{id}" */
  path: string;
  /** the group the console page and the document show it under */
  tag: string;
  summary: string;
  description?: string;
  /** the least role the effective role must be; null: no token needed (the OpenAPI document) */
  role: Role | null;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** a JSON body (parsed with this schema), or raw content the handler reads itself */
  body?: z.ZodType | RawContent;
  /** the JSON answer's schema, or raw content */
  response: z.ZodType | RawContent;
  /** 200 unless said: 202 for commands that enqueue work */
  status?: number;
  /**
   * The object the path names, checked against a repository-limited token before the handler runs:
   * outside the token's list a read answers 404 and a command 403.
   */
  subject?: { kind: ScopedSubject; param: string };
  /** true: spans every repository (audit, inventory), so a repository-limited token is refused (403) */
  allRepositories?: boolean;
}

export function isRawContent(x: unknown): x is RawContent {
  return typeof x === "object" && x !== null && "contentType" in x && typeof (x as RawContent).contentType === "string" && !("_zod" in x);
}

/** Declares an operation, keeping its exact schema types for the handler. */
export function defineOperation<const T extends Operation>(op: T): T {
  return op;
}

/** "/builds/{id}/log" → /^\/builds\/([^/]+)\/log$/ with the parameter names, for the proxy and the tests. */
export function pathMatcher(path: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = new RegExp(
    "^" +
      path
        .split("/")
        .map((seg) => {
          const m = /^\{(\w+)\}$/.exec(seg);
          if (m) {
            names.push(m[1]!);
            return "([^/]+)";
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        })
        .join("/") +
      "$",
  );
  return { re, names };
}
