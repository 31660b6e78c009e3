// Enqueue a job inside the caller's transaction, so the job exists exactly when the row it serves does.
import type { Tx } from "@/lib/db";
import { jobPayloads, type JobName, type JobPayload } from "@/lib/jobs/definitions";
import { parseInput } from "@/lib/validation/parse";

export interface EnqueueOptions {
  /** jobs with the same queue run one at a time (e.g. `target:<id>`) */
  queueName?: string;
  /** a newer job with the same key replaces a queued one (e.g. `build:<rule>:<ref>`) */
  jobKey?: string;
  jobKeyMode?: "replace" | "preserve_run_at" | "unsafe_dedupe";
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
}

export async function enqueueJob<N extends JobName>(tx: Tx, name: N, payload: JobPayload<N>, opts: EnqueueOptions = {}): Promise<bigint> {
  const valid = parseInput(jobPayloads[name], payload);
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM graphile_worker.add_job(
      identifier => ${name},
      payload => ${JSON.stringify(valid)}::json,
      queue_name => ${opts.queueName ?? null},
      run_at => ${opts.runAt ?? null}::timestamptz,
      max_attempts => ${opts.maxAttempts ?? null}::int,
      job_key => ${opts.jobKey ?? null},
      priority => ${opts.priority ?? null}::int,
      job_key_mode => ${opts.jobKeyMode ?? null}
    )`;
  const row = rows[0];
  if (!row) throw new Error(`graphile_worker.add_job returned nothing for ${name}`);
  return BigInt(row.id);
}
