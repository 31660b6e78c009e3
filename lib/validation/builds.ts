// Inputs of the build commands (console forms and the API).
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";

const id = rowId;

/** "Build now" on a repository's branch or pull request (its current head). */
export const buildNowInput = z.object({ refId: id }).strict();
/** "Rebuild" a build: the next attempt of the same rule on the same commit. */
export const rebuildInput = z.object({ buildId: id }).strict();
/** "Cancel" a queued or running build. */
export const cancelBuildInput = z.object({ buildId: id }).strict();

export type BuildNowInput = z.infer<typeof buildNowInput>;
export type RebuildInput = z.infer<typeof rebuildInput>;
export type CancelBuildInput = z.infer<typeof cancelBuildInput>;
