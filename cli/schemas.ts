// The API's objects as the server declares them (lib/api/v1/objects.ts, the source of /api/v1/openapi.json),
// loosened so that a newer server's extra fields are kept: --json prints the server's document whole.
import { z } from "zod";
import * as api from "@/lib/api/v1/objects";

export const meSchema = api.meSchema.loose();
export const buildSchema = api.buildSchema.loose();
export const releaseSchema = api.releaseSchema.loose();
export const releaseProvenanceSchema = api.releaseProvenanceSchema.loose();
export const targetSchema = api.targetSchema.loose();
export const deploymentSchema = api.deploymentSchema.loose();
export const messageSchema = api.messageSchema.loose();
export const pipelineSchema = api.pipelineSchema.loose();
export const promotionSchema = api.promotionSchema.loose();
export const previewSchema = api.previewSchema.loose();

export type Build = z.infer<typeof buildSchema>;
export type Release = z.infer<typeof releaseSchema>;
export type Target = z.infer<typeof targetSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;
export type Pipeline = z.infer<typeof pipelineSchema>;

/** GET /environments/pipeline */
export const pipelinesAnswerSchema = z.looseObject({ pipelines: z.array(pipelineSchema) });

/** POST /targets/{id}/deploy and /rollback: 202 */
export const deployAnswerSchema = z.looseObject({ deploymentId: z.string().min(1), state: z.string().optional(), message: z.string() });

/** POST /inventory/import */
export const importAnswerSchema = z.looseObject({ dryRun: z.boolean(), message: z.string(), changes: z.array(z.unknown()) });
