// The DORA report's input (the page's and the API's query string) and its result, as one shape for the page,
// /metrics and GET /api/v1/dora (lib/queries/dora.ts computes it).
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";

export const DORA_PERIODS = [7, 30, 90] as const;
export type DoraPeriod = (typeof DORA_PERIODS)[number];

/** The period when none is asked for. */
export const DEFAULT_DORA_PERIOD: DoraPeriod = 30;

const period = z
  .union([z.literal("7"), z.literal("30"), z.literal("90"), z.literal(7), z.literal(30), z.literal(90)], {
    error: "must be 7, 30 or 90 (days)",
  })
  .transform((v) => Number(v) as DoraPeriod);

/** An optional id from a query string: absent and empty are the same. */
const optionalId = z.preprocess((v) => (v === "" || v === null ? undefined : v), rowId.optional());

/**
 * `?period=7|30|90&repository=<id>&target=<id>` as the DORA page and GET /api/v1/dora take it; a missing
 * period is 30 days.
 */
export const doraQuerySchema = z
  .object({
    period: z.preprocess((v) => (v === undefined || v === "" ? String(DEFAULT_DORA_PERIOD) : v), period),
    repository: optionalId,
    target: optionalId,
  })
  .transform((q) => ({ periodDays: q.period, repositoryId: q.repository, targetId: q.target }));

export type DoraQuery = z.output<typeof doraQuerySchema>;

const count = z.number().int().min(0);
const seconds = z.number().min(0).nullable();

/** The four DORA figures over a set of finished deployments. */
export const doraFiguresSchema = z.object({
  /** finished deployments: succeeded, failed and rolled back (cancelled and superseded ones never ran to an end) */
  deployments: count,
  succeeded: count,
  /** failed or rolled back */
  failed: count,
  /** deployment frequency: succeeded deployments per day, and per week, of the period */
  deploymentsPerDay: z.number().min(0),
  deploymentsPerWeek: z.number().min(0),
  /** lead time for changes: commit time → deployment succeeded, over succeeded deployments of new releases (not rollbacks) */
  leadTimeMedianSeconds: seconds,
  leadTimeP90Seconds: seconds,
  leadTimeSamples: count,
  /** failed / deployments, 0..1; null without finished deployments */
  changeFailureRate: z.number().min(0).max(1).nullable(),
  /** runs of failed deployments on one target that started in the period, and how many a succeeded deployment ended */
  incidents: count,
  restored: count,
  /** time to restore: the first failed deployment of a run → the next succeeded one on the same target */
  timeToRestoreMedianSeconds: seconds,
});
export type DoraFigures = z.output<typeof doraFiguresSchema>;

export const doraReportSchema = z.object({
  periodDays: z.union([z.literal(7), z.literal(30), z.literal(90)]),
  /** the period: deployments that finished at or after `from` and before `to` (ISO 8601, UTC) */
  from: z.string(),
  to: z.string(),
  scope: z.object({ repositoryId: z.string().nullable(), targetId: z.string().nullable() }),
  overall: doraFiguresSchema,
  /** week by week (weeks start on Monday, UTC); the first and last may be partial: `days` says how many days of the period fall in it */
  weeks: z.array(doraFiguresSchema.extend({ weekStart: z.string(), days: z.number().min(0).max(7) })),
  byApp: z.array(doraFiguresSchema.extend({ appId: z.string().nullable(), app: z.string().nullable() })),
  byRepository: z.array(doraFiguresSchema.extend({ repositoryId: z.string(), repository: z.string(), app: z.string().nullable() })),
  byTarget: z.array(doraFiguresSchema.extend({ targetId: z.string(), target: z.string(), repository: z.string() })),
});
export type DoraReport = z.output<typeof doraReportSchema>;
