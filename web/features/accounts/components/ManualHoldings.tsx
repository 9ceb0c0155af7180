"use client";

import { useState, type FormEvent } from "react";
import { Button, Card, Field, FieldError, Input } from "@/components/ui";
import { errorFor, fieldErrorsOf, otherErrors } from "@/lib/api/field-errors";
import type { Account } from "@/lib/api/types";
import { formatDateTime, formatQuantity } from "@/lib/format";
import { useManualHistory, useSetManualHolding } from "../api/manual-holdings";

/** A plain decimal as the API takes it: digits, one optional fraction, no sign or exponent. */
const PLAIN_DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** Client-side checks, all at once, in the API's field names. */
export function checkManualHolding(asset: string, quantity: string, note: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!asset.trim()) errors.asset = "Enter a symbol (BTC) or an asset id.";
  const q = quantity.trim();
  if (!q) errors.quantity = "Enter how much you hold (0 removes the asset).";
  else if (q.startsWith("-")) errors.quantity = "A holding cannot be negative (0 removes the asset).";
  else if (!PLAIN_DECIMAL.test(q)) errors.quantity = "Use digits with an optional decimal point, e.g. 0.5.";
  if (note.trim().length > 200) errors.note = "Keep the note to 200 characters.";
  return errors;
}

/** The holdings a manual account keeps: set one asset's quantity, see every edit. */
export function ManualHoldings({ account }: { account: Account }) {
  const set = useSetManualHolding(account.id);
  const history = useManualHistory(account.id);
  const [asset, setAsset] = useState("");
  const [quantity, setQuantity] = useState("");
  const [note, setNote] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const server = fieldErrorsOf(set.error);
  const errors = { ...server, ...local };
  const rest = otherErrors(server, ["asset", "quantity", "note"]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = checkManualHolding(asset, quantity, note);
    setLocal(found);
    if (Object.keys(found).length > 0) return;
    const sent = { asset, quantity, note };
    set.mutate(
      { asset: asset.trim(), quantity: quantity.trim(), note: note.trim() || null },
      {
        // Only what was sent is cleared: a field changed since keeps what was typed.
        onSuccess: () => {
          setAsset((v) => (v === sent.asset ? "" : v));
          setQuantity((v) => (v === sent.quantity ? "" : v));
          setNote((v) => (v === sent.note ? "" : v));
        },
      },
    );
  };

  return (
    <Card title="Entered holdings" className="mb-6">
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Set a manual holding">
        <div className="grid gap-3 sm:grid-cols-3">
          <Field label="Asset" htmlFor="manual-asset" error={errorFor(errors, "asset")} hint="Symbol or asset id">
            <Input id="manual-asset" value={asset} onChange={(e) => setAsset(e.target.value)} placeholder="BTC" autoComplete="off" invalid={!!errorFor(errors, "asset")} />
          </Field>
          <Field label="Quantity" htmlFor="manual-quantity" error={errorFor(errors, "quantity")} hint="0 removes the asset">
            <Input id="manual-quantity" value={quantity} onChange={(e) => setQuantity(e.target.value)} inputMode="decimal" placeholder="0.5" invalid={!!errorFor(errors, "quantity")} />
          </Field>
          <Field label="Note" htmlFor="manual-note" error={errorFor(errors, "note")} hint="Optional, e.g. where it is kept">
            <Input id="manual-note" value={note} onChange={(e) => setNote(e.target.value)} invalid={!!errorFor(errors, "note")} />
          </Field>
        </div>
        {rest.map((m) => (
          <FieldError key={m} message={m} />
        ))}
        {set.error && rest.length === 0 && Object.keys(server).length === 0 && <FieldError message={set.error.message} />}
        <Button type="submit" busy={set.isPending}>
          Save holding
        </Button>
      </form>
      <details className="mt-4" data-testid="manual-history">
        <summary className="cursor-pointer text-sm font-medium text-slate-700 dark:text-slate-300">
          Edit history{history.data ? ` (${history.data.length})` : ""}
        </summary>
        {history.isPending && <p className="mt-2 text-sm text-slate-500">Loading…</p>}
        {history.error && <p className="mt-2 text-sm text-rose-600">The history could not be loaded.</p>}
        <ul className="mt-2 space-y-1 text-sm">
          {history.data?.map((e) => (
            <li key={e.id} className="flex flex-wrap gap-x-3">
              <span className="tabular text-slate-500">{formatDateTime(e.entered_at)}</span>
              <span className="font-medium">{e.symbol}</span>
              <span className="tabular">{e.quantity === "0" ? "removed" : formatQuantity(e.quantity)}</span>
              {e.note && <span className="text-slate-500">{e.note}</span>}
            </li>
          ))}
        </ul>
      </details>
    </Card>
  );
}
