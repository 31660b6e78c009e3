// The colour of a stored "Test connection" sentence. The host row keeps only the sentence
// (lib/ssh/connect.ts: describeHostCheck), whose first words say how it went.
import type { CheckTone } from "@/components/ui/forms/check-result";
import type { HostTestStatus } from "@/components/inventory/hosts/types";

export function hostStatusTone(status: HostTestStatus): CheckTone {
  return status === "connected" ? "ok" : status === "no_pinned_keys" || status === "auth_refused" ? "warning" : "error";
}

export function hostCheckTone(message: string | null): CheckTone {
  if (!message) return "warning";
  if (message.startsWith("Connected to ")) return "ok";
  if (message.startsWith("No host keys are pinned") || message.startsWith("Authentication refused")) return "warning";
  return "error";
}
