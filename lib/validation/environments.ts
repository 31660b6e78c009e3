// Inputs of the environment commands (console, API, CLI), and an environment's fields as slipway.yml spells them.
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";
import { resourceName } from "@/lib/validation/inventory-fields";

/** An environment's name: unique within its deployment rule, e.g. staging or production. */
export const environmentName = resourceName;

/** Promote a release to the environment named (the stage after the one it runs on). */
export const promoteReleaseInput = z.object({ releaseId: rowId, environment: environmentName }).strict();
