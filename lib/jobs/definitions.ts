// Job names and their payload schemas. The enqueuer and the worker validate against the same schema.
import { z } from "zod";

export const jobPayloads = {
  /** hourly housekeeping: expired sessions, long-gone workers */
  maintenance: z.object({}).strict(),
} as const;

export type JobName = keyof typeof jobPayloads;
export type JobPayload<N extends JobName> = z.infer<(typeof jobPayloads)[N]>;

/** graphile-worker crontab: runs scheduled jobs on whichever worker is up (each fires once cluster-wide). */
export const crontab = ["0 * * * * maintenance"].join("\n");
