// API tokens' scopes and the form that creates one (Settings → API tokens), for the server and the browser.
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";

export const TOKEN_SCOPES = ["read", "deploy", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
type RoleName = "viewer" | "operator" | "admin";

/** A scope is stored as the role it grants. */
export const scopeRole: Record<TokenScope, RoleName> = { read: "viewer", deploy: "operator", admin: "admin" };
export const roleScope: Record<RoleName, TokenScope> = { viewer: "read", operator: "deploy", admin: "admin" };

export const scopeDescriptions: Record<TokenScope, string> = {
  read: "reads everything (as a viewer)",
  deploy: "also rebuilds, cancels, deploys, approves, rolls back and pins (as an operator)",
  admin: "also exports and imports the inventory (as an admin)",
};

export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 365;

export const createApiTokenSchema = z.object({
  name: z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required: say what uses the token, e.g. release-job")
    .max(100, "is too long (at most 100 characters)")
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "use letters, digits, spaces, '.', '_' and '-', e.g. release-job"),
  scope: z.enum(TOKEN_SCOPES, { error: `must be one of: ${TOKEN_SCOPES.join(", ")}` }),
  expiresInDays: z.preprocess(
    (v) => (v === "" || v === undefined || v === null ? TOKEN_DEFAULT_DAYS : v),
    z.coerce
      .number({ error: `must be a number of days from 1 to ${TOKEN_MAX_DAYS}` })
      .int(`must be a whole number of days from 1 to ${TOKEN_MAX_DAYS}`)
      .min(1, `must be a number of days from 1 to ${TOKEN_MAX_DAYS}`)
      .max(TOKEN_MAX_DAYS, `must be at most ${TOKEN_MAX_DAYS} days; create a new token when it runs out`),
  ),
  repositoryIds: z.preprocess(
    (v) => (v === undefined || v === "" ? [] : typeof v === "string" ? [v] : v),
    z.array(rowId).max(200, "at most 200 repositories; leave the list empty for all of them"),
  ),
});

export type CreateApiTokenInput = z.input<typeof createApiTokenSchema>;

export const revokeApiTokenSchema = z.object({ tokenId: rowId });
