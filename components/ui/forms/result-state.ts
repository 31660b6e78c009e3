// The state of a form whose server action returns data as well as a sentence (a scan's keys, a test's
// outcome). Same shape as ActionState (lib/auth/action.ts), with `result` on success.
import type { ActionState } from "@/lib/auth/action";

export type ResultState<T> = (Extract<ActionState, { ok: true }> & { result: T }) | Extract<ActionState, { ok: false }> | null;

export type FormAction<S = ActionState> = (prev: S, form: FormData) => Promise<S>;

/** The outcome of a "Test" (context, registry): the sentence and whether it worked. */
export interface CheckOutcome {
  ok: boolean;
  message: string;
}
