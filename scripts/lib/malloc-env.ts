// glibc malloc settings for Slipway's long-running processes (npm start, web, worker; package.json sets them
// with the same values, and bench:logs passes these to the processes it measures). glibc reads them when a
// process starts, so they are set in its environment, never from inside it. A value already set wins.
//
// Why (docs/performance.md, "Live logs"): gzip and the database driver allocate and free buffers of 64 KiB
// and more for every log chunk. By default glibc raises its mmap threshold after the first such buffer is
// freed, so later ones come from the heap, where freed memory stays in the process; and a process with
// helper threads gets up to 8 malloc arenas per core, each keeping its own free memory. Measured on a 100 MB
// log: the writer process's peak RSS 248 → 201 MiB with the fixed thresholds.
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  // at most two arenas (the main thread's and one shared by the helper threads)
  MALLOC_ARENA_MAX: "2",
  // blocks of 128 KiB and more are mapped and unmapped on free, always (a fixed value turns off glibc's
  // dynamic threshold)
  MALLOC_MMAP_THRESHOLD_: "131072",
  // free memory at the top of the heap beyond 128 KiB goes back to the system
  MALLOC_TRIM_THRESHOLD_: "131072",
};

/**
 * V8's young generation for the same processes (package.json passes it to node; bench:logs too): at most
 * 4 MiB per semi-space instead of 16. Under a high allocation rate (20 followers of a 100 MB log) V8 grows
 * the young generation to its maximum and keeps it: the web process's RSS stayed ~30 MiB up after the
 * followers left. With 4 MiB it went back to where it was (docs/performance.md, "Live logs").
 */
export const NODE_MEMORY_FLAGS: readonly string[] = ["--max-semi-space-size=4"];

/** `env` with MALLOC_ENV's values where it sets none. */
export function withMallocEnv<T extends Record<string, string | undefined>>(env: T): T {
  const out: Record<string, string | undefined> = { ...env };
  for (const [k, v] of Object.entries(MALLOC_ENV)) out[k] ??= v;
  return out as T;
}
