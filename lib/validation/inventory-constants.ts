// The inventory's fixed lists, defaults and formatting that the console's forms need in the browser, without
// zod: the schemas in inventory-fields.ts and inventory.ts build on these and re-export them, but a client
// component that imported a constant from those files took all of zod with it (about 50 kB of first-load JS
// on every inventory page).

export const ARCHITECTURES = ["amd64", "arm64", "arm/v7", "arm/v6", "ppc64le", "s390x", "riscv64", "386"] as const;

export const UNIKERNEL_TARGETS = ["hvt", "xen", "spt", "virtio", "unix"] as const;

/** unikernel builds: the largest artifact accepted, in MiB, when the build rule names none */
export const DEFAULT_MAX_ARTIFACT_MIB = 256;

export const DEFAULT_UNIKERNEL_DIR = "/var/lib/slipway/unikernels";
export const DEFAULT_KEEP_ARTIFACTS = 5;
export const DEFAULT_ALBATROSS_MEMORY_MIB = 64;
export const DEFAULT_ARTIFACT_BRANCH = "main";

/** The systemd unit a unikernel target restarts when it names none. */
export function defaultRestartUnit(service: string): string {
  return `unikernel@${service}`;
}

/** 3000 → "50m", 5400 → "1h30m", 45 → "45s": the form slipway.yml exports. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = seconds;
  let out = "";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** The inverse: "50m", "1h30m", "90s", "2d" or a plain number of seconds ("600") → seconds; null otherwise. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === "") return null;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0);
}

/** How the console and the Services page show an argv: arguments with spaces or quotes are quoted. */
export function argvText(argv: readonly string[]): string {
  return argv.map((a) => (/^[^\s"'\\]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}
