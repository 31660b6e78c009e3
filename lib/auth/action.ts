// Server actions: one wrapper that finds the actor and turns command errors into words for the form.
// The command itself checks the role (on the server, whatever the page showed).
import "server-only";
import { currentActor } from "@/lib/auth/session";
import { CommandError, ValidationError } from "@/lib/errors";
import type { Actor } from "@/lib/auth/actor";
import { formToObject } from "@/lib/validation/parse";
import { log } from "@/lib/log";

export type ActionState =
  | { ok: true; message: string; at: number }
  | { ok: false; error: string; fieldErrors?: Record<string, string>; at: number }
  | null;

export function userAction(command: (actor: Actor, input: Record<string, unknown>) => Promise<string>) {
  return async (_prev: ActionState, form: FormData): Promise<ActionState> => {
    const at = Date.now();
    const actor = await currentActor();
    if (!actor) return { ok: false, error: "You are signed out. Sign in again and retry.", at };
    try {
      return { ok: true, message: await command(actor, formToObject(form)), at };
    } catch (err) {
      if (err instanceof ValidationError) {
        // the first problem of a field is the one to fix first ("is required" before the format rule)
        const fieldErrors: Record<string, string> = {};
        for (const i of err.issues) fieldErrors[i.path] ??= i.message;
        return { ok: false, error: err.message, fieldErrors, at };
      }
      if (err instanceof CommandError) return { ok: false, error: err.message, at };
      log.error({ err }, "unexpected error in server action");
      return { ok: false, error: "Something went wrong on the server; it was logged. Try again.", at };
    }
  };
}
