// The registry of /api/v1: every operation with its method, path, role and schemas. Each app/api/v1 route.ts
// binds one of these to a handler with apiRoute (lib/api/route.ts); the OpenAPI document, the console's API
// page and the tests read this list. Add an operation here first, then its route.
import { z } from "zod";
import { defineOperation, type Operation } from "@/lib/api/operation";
import { pageOf, pageQuery } from "@/lib/api/pagination";
import { rowId } from "@/lib/validation/ids";
import { buildStateFilters } from "@/lib/validation/build-filters";
import { buildSchema, buildRuleSchema, meSchema, repositoryDetailSchema, repositorySchema } from "@/lib/api/v1/objects";

const idParams = z.object({ id: rowId });
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);

/** `repository=` in a filter: a repository's id or its name ("owner/name"). */
export const repositoryFilter = z.preprocess(
  blank,
  z
    .string()
    .max(200, "is too long for a repository id or name")
    .regex(/^[^\s\u0000-\u001f]+$/, "a repository id or name has no spaces or control characters, e.g. ocurrent/ocaml.org")
    .optional()
    .meta({ description: 'a repository\'s id or name, e.g. "ocurrent/ocaml.org"' }),
);

export const openapiDocument = defineOperation({
  id: "getOpenApiDocument",
  method: "GET",
  path: "/openapi.json",
  tag: "API",
  summary: "This API's OpenAPI 3.1 document (no token needed)",
  role: null,
  response: { contentType: "application/json", description: "the OpenAPI 3.1 document" },
});

export const getMe = defineOperation({
  id: "getMe",
  method: "GET",
  path: "/me",
  tag: "API",
  summary: "Who the token belongs to, and what it may do",
  role: "viewer",
  response: meSchema,
});

export const listRepositories = defineOperation({
  id: "listRepositories",
  method: "GET",
  path: "/repositories",
  tag: "Repositories",
  summary: "Repositories, by name",
  role: "viewer",
  query: z.object({ ...pageQuery }),
  response: pageOf(repositorySchema),
});

export const getRepository = defineOperation({
  id: "getRepository",
  method: "GET",
  path: "/repositories/{id}",
  tag: "Repositories",
  summary: "One repository with its build rules",
  role: "viewer",
  params: idParams,
  subject: { kind: "repository", param: "id" },
  response: repositoryDetailSchema,
});

export const getBuildRule = defineOperation({
  id: "getBuildRule",
  method: "GET",
  path: "/build-rules/{id}",
  tag: "Repositories",
  summary: "One build rule",
  role: "viewer",
  params: idParams,
  subject: { kind: "buildRule", param: "id" },
  response: buildRuleSchema,
});

export const listBuildsOp = defineOperation({
  id: "listBuilds",
  method: "GET",
  path: "/builds",
  tag: "Builds",
  summary: "Builds, newest first, filtered",
  role: "viewer",
  query: z.object({
    repository: repositoryFilter,
    state: z.preprocess(blank, z.enum(buildStateFilters, { error: `must be one of: ${buildStateFilters.join(", ")}` }).optional()),
    ref: z.preprocess(
      blank,
      z
        .string()
        .max(255, "is too long for a branch name")
        .regex(/^[^\s\u0000-\u001f~^:?*[\\]+$/, 'must be a branch (e.g. "live") or a pull request ("pull/12")')
        .optional()
        .meta({ description: 'a branch ("live") or a pull request ("pull/12")' }),
    ),
    commit: z.preprocess(
      blank,
      z
        .string()
        .regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit sha or its first 7 or more hex digits")
        .transform((s) => s.toLowerCase())
        .optional(),
    ),
    ...pageQuery,
  }),
  response: pageOf(buildSchema),
});

export const getBuildOp = defineOperation({
  id: "getBuild",
  method: "GET",
  path: "/builds/{id}",
  tag: "Builds",
  summary: "One build",
  role: "viewer",
  params: idParams,
  subject: { kind: "build", param: "id" },
  response: buildSchema,
});

/** Every operation, in the order the document and the console page show them. */
export const operations: Operation[] = [openapiDocument, getMe, listRepositories, getRepository, getBuildRule, listBuildsOp, getBuildOp] as Operation[];
