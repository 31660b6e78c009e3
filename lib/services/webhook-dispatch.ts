// Queues the github.event job of every accepted webhook delivery. The receiver (lib/services/webhooks.ts)
// records an accepted delivery with its job's payload and answers at once; the job is queued here, right
// after, in the background, for every delivery waiting at that moment. Why not in the receiver's own
// transaction: graphile-worker's add_job sends a NOTIFY, and PostgreSQL holds one database-wide lock from a
// NOTIFY-ing transaction's commit until its WAL is flushed, so such commits run one at a time (about 240 a
// second on the project's 2-CPU machine, far fewer while builds write to the disk), where plain commits share
// their flushes. One dispatch is one NOTIFY for many deliveries. Nothing is lost when a web process stops
// between the two: the row holds the payload until its job exists, and the worker sweeps every minute
// (webhooks_dispatch).
import { getWebhookPool } from "@/lib/db";
import { log } from "@/lib/log";

/** Deliveries queued per statement (a storm is dispatched in a few). */
const BATCH = 500;

/**
 * Queues the job of every accepted delivery that has none yet, in receipt order, each in its repository's
 * queue with the key `github-delivery:<app>:<delivery>`; returns how many. A dispatch under way elsewhere is
 * waited for (row locks, not skipped), so when this returns, every delivery recorded before the call has its job.
 */
export async function dispatchWebhookJobs(): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await getWebhookPool().query<{ queued: number }>(
      `WITH pending AS (
         SELECT id, app_id, delivery_id, repository_id, job_payload FROM webhook_deliveries
         WHERE job_payload IS NOT NULL
         ORDER BY id LIMIT $1
         FOR UPDATE
       ),
       queued AS (
         SELECT (graphile_worker.add_job(
           identifier => 'github.event',
           payload => (p.job_payload || jsonb_build_object('seq', p.id))::json,
           queue_name => 'repository:' || p.repository_id,
           job_key => 'github-delivery:' || p.app_id || ':' || p.delivery_id
         )).id
         FROM pending p ORDER BY p.id
       ),
       cleared AS (
         UPDATE webhook_deliveries d SET job_payload = NULL FROM pending p WHERE d.id = p.id RETURNING d.id
       )
       SELECT (SELECT count(*) FROM queued)::int AS queued, (SELECT count(*) FROM cleared)::int AS cleared`,
      [BATCH],
    );
    const n = rows[0]?.queued ?? 0;
    total += n;
    if (n < BATCH) return total;
  }
}

let running = false;
let again = false;

/**
 * Dispatches soon, without waiting: at most one dispatch at a time per process; deliveries recorded while one
 * runs are taken by the next, which starts as soon as it ends.
 */
export function dispatchWebhookJobsSoon(): void {
  again = true;
  if (running) return;
  running = true;
  void (async () => {
    // `again` is checked and `running` cleared in the same tick, so a call in between is never lost
    while (again) {
      again = false;
      try {
        await dispatchWebhookJobs();
      } catch (err) {
        // the minute sweep (webhooks_dispatch) queues what is left
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "queueing the jobs of accepted webhook deliveries failed; the worker's sweep queues them within a minute");
      }
    }
    running = false;
  })();
}
