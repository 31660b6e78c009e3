import type { JobHelpers } from "graphile-worker";
import type { Logger } from "@/lib/log";

export interface TaskContext {
  workerId: string;
  log: Logger;
  helpers: JobHelpers;
}
