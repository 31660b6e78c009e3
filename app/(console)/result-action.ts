// Server actions whose command returns data for the page (a scan's keys, a test's outcome) as well as a
// sentence. userAction (lib/auth/action.ts) turns errors into words; this keeps the data on success.
// Also used by the Contexts and Settings actions.
import { userAction } from "@/lib/auth/action";
import type { Actor } from "@/lib/auth/actor";
import type { ResultState } from "@/components/ui/forms/result-state";

export function resultAction<T>(command: (actor: Actor, input: Record<string, unknown>) => Promise<{ message: string; result: T }>) {
  return async (_prev: ResultState<T>, form: FormData): Promise<ResultState<T>> => {
    let result: { value: T } | undefined;
    const state = await userAction(async (actor, input) => {
      const r = await command(actor, input);
      result = { value: r.result };
      return r.message;
    })(null, form);
    if (!state || !state.ok || !result) return state as ResultState<T>;
    return { ...state, result: result.value };
  };
}

/** "Saved: address and port changed." / "Nothing to save: no field changed." */
export function savedMessage(what: string, saved: { created: boolean; fields: string[] }): string {
  if (saved.created) return `Added ${what}.`;
  if (!saved.fields.length) return `Nothing to save: ${what} already has these values.`;
  const f = saved.fields.map((x) => x.replace(/_/g, " "));
  const list = f.length === 1 ? f[0] : `${f.slice(0, -1).join(", ")} and ${f[f.length - 1]}`;
  return `Saved ${what}: ${list} changed.`;
}
