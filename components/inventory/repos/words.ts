// How the repository pages name kinds, levels and policies.
import { DEFAULT_ALBATROSS_MEMORY_MIB, DEFAULT_UNIKERNEL_DIR, defaultRestartUnit, formatDuration } from "@/lib/validation/inventory-constants";
import type { ConfirmLevelName, RestartMethodName, TargetKindName, TargetRunFields } from "@/lib/queries/inventory-repos";

export const targetKindLabels: Record<TargetKindName, string> = {
  swarm_service: "Swarm service",
  compose_service: "Compose service",
  unikernel: "Unikernel",
  artifact_repository: "Artifact repository",
};

export const restartMethodLabels: Record<RestartMethodName, string> = {
  systemd: "systemd",
  albatross: "Albatross",
  command: "A command",
};

export const confirmLabels: Record<ConfirmLevelName, string> = {
  harmless: "Harmless",
  mostly_harmless: "Mostly harmless",
  average: "Average",
  above_average: "Above average",
  dangerous: "Dangerous",
};

export const unikernelTargetLabels: Record<string, string> = {
  hvt: "hvt (Solo5, KVM)",
  xen: "xen (Xen PVH)",
  spt: "spt (Solo5, seccomp)",
  virtio: "virtio",
  unix: "unix (a process)",
};

/** Seconds as the forms show them and accept them back: 3000 → "50m", 45 → "45s". */
export function durationText(seconds: number): string {
  return formatDuration(seconds);
}

/** "automatic", or "manual: 2 admins, expires after 1d". */
export function approvalText(r: { approvalMode: "automatic" | "manual"; minApprovers: number; approverRole: string; approvalExpirySeconds: number | null }): string {
  if (r.approvalMode === "automatic") return "Automatic";
  const who = `${r.minApprovers} ${r.approverRole}${r.minApprovers === 1 ? "" : "s"}`;
  return `Manual: ${who}${r.approvalExpirySeconds ? `, request expires after ${durationText(r.approvalExpirySeconds)}` : ""}`;
}

/** A unikernel target as its host runs it, defaults filled in: the method, systemd's unit, the service's directory, albatross's memory. */
export function unikernelRun(t: Pick<TargetRunFields, "restartMethod" | "restartUnit" | "unikernelDir" | "memoryMib"> & { service: string }) {
  return {
    method: t.restartMethod ?? "systemd",
    unit: t.restartUnit ?? defaultRestartUnit(t.service),
    /** <dir>/<service>, where its files, `current` and `latest` are */
    dir: `${(t.unikernelDir ?? DEFAULT_UNIKERNEL_DIR).replace(/\/+$/, "")}/${t.service}`,
    memoryMib: t.memoryMib ?? DEFAULT_ALBATROSS_MEMORY_MIB,
  };
}
