"use client";
// "Scan host keys": ask the host which SSH host keys it has (nothing is saved), show each key's algorithm
// and SHA256 fingerprint, and let the admin tick the ones to trust ("Accept selected keys" pins them). The
// ticked keys replace the ones accepted before, unless the admin explicitly keeps those too.
import { useState } from "react";
import { ActionForm, FormSummary, SubmitButton, fieldId, useActionForm } from "@/components/ui/forms/action-form";
import { CheckboxField, Hidden } from "@/components/ui/forms/fields";
import { CheckResult } from "@/components/ui/forms/check-result";
import { Badge } from "@/components/ui/badge";
import type { FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { PinResult, ScanResult } from "@/components/inventory/hosts/types";

type PinState = ResultState<PinResult>;

function ScanOutcome() {
  const { state } = useActionForm() as { state: ResultState<ScanResult> };
  if (!state) return null;
  if (!state.ok) return <CheckResult tone="error" role="alert">{state.error}</CheckResult>;
  return <CheckResult tone={state.result.keys.length ? "ok" : "warning"}>{state.message}</CheckResult>;
}

function KeyChoices({ scan }: { scan: ScanResult }) {
  const { state, idPrefix } = useActionForm();
  const error = state && !state.ok ? (state.fieldErrors?.keys ?? Object.entries(state.fieldErrors ?? {}).find(([k]) => k.startsWith("keys["))?.[1]) : undefined;
  return (
    <fieldset id={fieldId(idPrefix, "keys")} tabIndex={-1} aria-describedby={error ? "scan-keys-error" : undefined} className="space-y-2">
      <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Keys {scan.host} presented</legend>
      <ul className="divide-y divide-zinc-100 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-700">
        {scan.keys.map((k) => {
          const pinned = k.pinned;
          const id = `scan-${k.fingerprintSha256.replace(/[^A-Za-z0-9]/g, "")}`;
          return (
            <li key={k.fingerprintSha256} className="flex items-center gap-3 px-3 py-2">
              <input
                id={id}
                type="checkbox"
                name="keys"
                value={`${k.algorithm} ${k.publicKey}`}
                defaultChecked={pinned}
                className="size-4 accent-sky-600"
              />
              <label htmlFor={id} className="flex min-w-0 flex-1 flex-wrap items-center gap-x-3 gap-y-1">
                <span className="w-44 shrink-0 font-mono text-xs text-zinc-600 dark:text-zinc-400">{k.algorithm}</span>
                <span className="min-w-0 break-all font-mono text-[0.8125rem] text-zinc-900 dark:text-zinc-100">{k.fingerprintSha256}</span>
              </label>
              {pinned ? <Badge tone="emerald">accepted</Badge> : null}
            </li>
          );
        })}
      </ul>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">Ticked keys are the ones Slipway accepts from {scan.host} afterwards; an accepted key left unticked is retired.</p>
      {error ? (
        <p id="scan-keys-error" className="text-xs font-medium text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The scan as it reads after accepting: new keys pinned, retired ones no longer. */
function afterPin(scan: ScanResult, r: PinResult): ScanResult {
  const pinned = new Set(r.pinned);
  const retired = new Set(r.retired);
  return {
    ...scan,
    keys: scan.keys.map((k) => ({ ...k, pinned: (k.pinned || pinned.has(k.fingerprintSha256)) && !retired.has(k.fingerprintSha256) })),
    notPresented: scan.notPresented.filter((k) => !retired.has(k.fingerprintSha256)),
  };
}

export function ScanKeys({
  hostId,
  scanAction,
  pinAction,
}: {
  hostId: string;
  scanAction: FormAction<ResultState<ScanResult>>;
  pinAction: FormAction<PinState>;
}) {
  const [scan, setScan] = useState<ScanResult | null>(null);
  const [scanAt, setScanAt] = useState(0);
  return (
    <div className="space-y-4">
      <ActionForm
        action={scanAction}
        summary={false}
        className="space-y-3"
        label="Scan host keys"
        onSuccess={(s) => {
          setScan(s.result);
          setScanAt(s.at);
        }}
      >
        <Hidden values={{ host_id: hostId }} />
        <SubmitButton variant="secondary" pendingText="Scanning…">
          Scan host keys
        </SubmitButton>
        <ScanOutcome />
      </ActionForm>
      {scan && scan.keys.length ? (
        <ActionForm
          key={scanAt}
          action={pinAction}
          className="space-y-3"
          label="Accept scanned keys"
          onSuccess={(s) => setScan((prev) => (prev ? afterPin(prev, s.result) : prev))}
          summary={false}
        >
          <Hidden values={{ host_id: hostId }} />
          <KeyChoices scan={scan} />
          {scan.notPresented.length ? (
            <div role="note" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-200">
              <p className="font-medium">
                {scan.host} did not present {scan.notPresented.length === 1 ? "this accepted key" : "these accepted keys"}; accepting retires{" "}
                {scan.notPresented.length === 1 ? "it" : "them"}:
              </p>
              <ul className="mt-1 space-y-0.5">
                {scan.notPresented.map((k) => (
                  <li key={k.fingerprintSha256} className="break-all font-mono text-xs">
                    {k.algorithm} {k.fingerprintSha256}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <CheckboxField
            name="keep_existing"
            label="Keep the keys accepted before as well"
            hint="Only while a host changes keys on purpose (both stay trusted until you remove one)."
          />
          <div className="flex flex-wrap items-center gap-3">
            <SubmitButton pendingText="Accepting…">Accept selected keys</SubmitButton>
            <p className="text-xs text-zinc-500 dark:text-zinc-400">Only accept a key whose fingerprint you checked on the host itself.</p>
          </div>
          <FormSummary />
        </ActionForm>
      ) : null}
    </div>
  );
}
