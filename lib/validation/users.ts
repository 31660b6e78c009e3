// Input schemas for user commands: shared by the settings forms, server actions and the REST API.
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";

export const roleSchema = z.enum(["viewer", "operator", "admin"], {
  error: "role must be viewer, operator or admin",
});

export const changeRoleInput = z.object({
  userId: rowId,
  role: roleSchema,
});
export type ChangeRoleInput = z.infer<typeof changeRoleInput>;

export const setDisabledInput = z.object({
  userId: rowId,
  disabled: z.preprocess((v) => v === true || v === "true" || v === "1" || v === "on", z.boolean()),
});
export type SetDisabledInput = z.infer<typeof setDisabledInput>;

export const githubLogin = z
  .string()
  .trim()
  .min(1, "login is required")
  .max(39, "a GitHub login has at most 39 characters")
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/, "a login has letters, digits and single dashes, and does not start or end with a dash");

export const devLoginInput = z.object({
  login: githubLogin.default("dev-admin"),
  role: roleSchema.default("admin"),
});
