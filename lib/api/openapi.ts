// The OpenAPI 3.1 document of /api/v1, generated from the registry (lib/api/v1/operations.ts) with zod 4's
// own JSON Schema output. Named objects (.meta({ id })) become components; everything else is inline.
import { z } from "zod";
import { apiErrorCodes } from "@/lib/api/error-codes";
import { isRawContent, type Operation } from "@/lib/api/operation";
import { operations } from "@/lib/api/v1/operations";
import { roleLabels } from "@/lib/auth/roles";

type Json = Record<string, unknown>;

const errorSchema: Json = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(apiErrorCodes) },
        message: { type: "string", description: "what went wrong and what to do, in words" },
        issues: {
          type: "array",
          items: { type: "object", required: ["path", "message"], properties: { path: { type: "string" }, message: { type: "string" } } },
        },
      },
    },
  },
};

/** A zod schema as JSON Schema, its named parts moved into `components`. */
function jsonSchema(schema: z.ZodType, io: "input" | "output", components: Record<string, Json>): Json {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", reused: "inline" }) as Json;
  delete out.$schema;
  const defs = (out.$defs ?? {}) as Record<string, Json>;
  delete out.$defs;
  for (const [name, def] of Object.entries(defs)) components[name] = relink(def) as Json;
  const top = relink(out) as Json;
  // a named schema at the top is a component too: refer to it
  const id = typeof top.id === "string" ? top.id : undefined;
  if (id) {
    delete top.id;
    components[id] = top;
    return { $ref: `#/components/schemas/${id}` };
  }
  return top;
}

function relink(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(relink);
  if (v && typeof v === "object") {
    const o: Json = {};
    for (const [k, x] of Object.entries(v)) o[k] = k === "$ref" && typeof x === "string" ? x.replace(/^#\/\$defs\//, "#/components/schemas/") : relink(x);
    return o;
  }
  return v;
}

function parameters(op: Operation, components: Record<string, Json>): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [["path", op.params], ["query", op.query]] as const) {
    if (!schema) continue;
    const s = jsonSchema(schema, "input", components) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      const { description, ...rest } = prop;
      out.push({
        name,
        in: where,
        required: where === "path" || (s.required ?? []).includes(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

function errorResponses(op: Operation): Json {
  const codes = new Set<keyof typeof apiErrorCodes>(["internal", "unavailable"]);
  if (op.role) ["unauthenticated", "forbidden", "rate_limited"].forEach((c) => codes.add(c as keyof typeof apiErrorCodes));
  if (op.params) codes.add("not_found");
  if (op.params || op.query || op.body) codes.add("validation_failed");
  if (op.body) codes.add("payload_too_large");
  if (op.method === "POST") codes.add("conflict");
  const out: Json = {};
  for (const c of codes) {
    out[String(apiErrorCodes[c])] = { description: c, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  }
  return out;
}

function operationObject(op: Operation, components: Record<string, Json>): Json {
  const o: Json = {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, op.role ? `Needs the ${roleLabels[op.role]} role (token scope ${scopeOfRole[op.role]} or wider).` : "No token needed."]
      .filter(Boolean)
      .join("\n\n"),
    parameters: parameters(op, components),
    security: op.role ? [{ bearer: [] }] : [],
    "x-slipway-role": op.role,
  };
  if (op.body) {
    o.requestBody = isRawContent(op.body)
      ? { required: true, description: op.body.description, content: { [op.body.contentType]: { schema: { type: "string" } } } }
      : { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input", components) } } };
  }
  const ok = isRawContent(op.response)
    ? { description: op.response.description, content: { [op.response.contentType]: { schema: op.response.contentType === "application/json" ? { type: "object" } : { type: "string" } } } }
    : { description: "OK", content: { "application/json": { schema: jsonSchema(op.response, "output", components) } } };
  o.responses = { [String(op.status ?? 200)]: ok, ...errorResponses(op) };
  return o;
}

const scopeOfRole = { viewer: "read", operator: "deploy", admin: "admin" } as const;

export function openApiDocument(opts: { serverUrl?: string; version?: string } = {}): Json {
  const components: Record<string, Json> = { Error: errorSchema };
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method.toLowerCase()] = operationObject(op, components);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Slipway API",
      version: opts.version ?? "1",
      description:
        "Slipway's REST API. Authenticate with an API token (Settings → API tokens): `Authorization: Bearer slw_…`. " +
        "Errors are `{ error: { code, message, issues? } }`; lists are `{ items, nextCursor }` (pass `cursor=<nextCursor>`).",
    },
    servers: [{ url: `${opts.serverUrl ?? ""}/api/v1` }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "an API token, slw_…" } }, schemas: components },
    paths,
  };
}
