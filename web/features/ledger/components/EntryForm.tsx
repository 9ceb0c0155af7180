"use client";

import { useState, type FormEvent } from "react";
import { Button, Field, FieldError, Input, Select, cx } from "@/components/ui";
import { errorFor, fieldErrorsOf, otherErrors } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { Account, LedgerEntry } from "@/lib/api/types";
import { useCreateEntry, useUpdateEntry } from "../api/ledger";
import {
  FORM_KINDS,
  INCOME_KINDS,
  checkEntryForm,
  emptyForm,
  formOf,
  sidesOf,
  toEntryRequest,
  valueHint,
  type EntryForm as Form,
  type FormKind,
  type SideInput,
} from "../entry-form";

const SHOWN = ["account_id", "kind", "occurred_at", "sent", "received", "fee", "value_usd", "fee_value_usd", "income_kind", "to_account_id", "note"];

function SideFields({
  id,
  label,
  hint,
  value,
  error,
  onChange,
}: {
  id: string;
  label: string;
  hint: string;
  value: SideInput;
  error?: string;
  onChange: (v: SideInput) => void;
}) {
  return (
    <fieldset className="space-y-1" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</legend>
      <div className="flex gap-2">
        <Input
          id={`${id}-quantity`}
          aria-label={`${label}: quantity`}
          value={value.quantity}
          onChange={(e) => onChange({ ...value, quantity: e.target.value })}
          inputMode="decimal"
          placeholder="0.5"
          autoComplete="off"
          invalid={!!error}
          className="min-w-0 flex-[2]"
        />
        <Input
          id={`${id}-asset`}
          aria-label={`${label}: asset`}
          value={value.asset}
          onChange={(e) => onChange({ ...value, asset: e.target.value })}
          placeholder="BTC"
          autoComplete="off"
          invalid={!!error}
          className="min-w-0 flex-1 uppercase"
        />
      </div>
      {!error && <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p>}
      <FieldError id={`${id}-error`} message={error} />
    </fieldset>
  );
}

/** Adds an entry typed by hand, or edits one (`entry`): the API's field errors show at their fields. */
export function EntryForm({ accounts, entry, onDone }: { accounts: Account[]; entry?: LedgerEntry; onDone?: () => void }) {
  const create = useCreateEntry();
  const update = useUpdateEntry();
  const mutation = entry ? update : create;
  const [form, setForm] = useState<Form>(() => (entry ? formOf(entry) : emptyForm(accounts[0]?.id ?? "")));
  const [local, setLocal] = useState<Record<string, string>>({});
  const server = fieldErrorsOf(mutation.error);
  const errors = { ...server, ...local };
  const rest = otherErrors(server, SHOWN);
  const need = sidesOf(form.kind);
  const isTransferHalf = !!entry?.transfer_id;
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const p = entry ? `edit-${entry.id.slice(0, 8)}` : "entry";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = checkEntryForm(form);
    setLocal(found);
    if (Object.keys(found).length > 0) return;
    const body = toEntryRequest(form, entry);
    const done = () => {
      if (!entry) setForm((f) => ({ ...emptyForm(f.account_id), kind: f.kind }));
      onDone?.();
    };
    if (entry) update.mutate({ id: entry.id, body }, { onSuccess: done });
    else create.mutate(body, { onSuccess: done });
  };

  const kinds = entry ? FORM_KINDS.filter((k) => k.value !== "transfer") : FORM_KINDS;
  const kindHint = FORM_KINDS.find((k) => k.value === form.kind)?.hint;

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={entry ? "Edit the entry" : "Add an entry"}>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Kind" htmlFor={`${p}-kind`} error={errorFor(errors, "kind")} hint={isTransferHalf ? "Half of a transfer keeps its kind." : kindHint}>
          <Select id={`${p}-kind`} value={form.kind} disabled={isTransferHalf} onChange={(e) => set("kind", e.target.value as FormKind)} invalid={!!errorFor(errors, "kind")}>
            {kinds.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={form.kind === "transfer" ? "From account" : "Account"} htmlFor={`${p}-account`} error={errorFor(errors, "account_id")}>
          <Select id={`${p}-account`} value={form.account_id} onChange={(e) => set("account_id", e.target.value)} invalid={!!errorFor(errors, "account_id")}>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Date and time (UTC)" htmlFor={`${p}-date`} error={errorFor(errors, "occurred_at")}>
          <Input id={`${p}-date`} type="datetime-local" step={1} value={form.occurred_at} onChange={(e) => set("occurred_at", e.target.value)} invalid={!!errorFor(errors, "occurred_at")} />
        </Field>
      </div>

      {form.kind === "transfer" && (
        <Field label="To account" htmlFor={`${p}-to`} error={errorFor(errors, "to_account_id")} hint={accounts.length < 2 ? "A transfer needs a second account: add one on the Accounts page." : "Another of your accounts: the transfer is stored as its withdrawal and its deposit."}>
          <Select id={`${p}-to`} value={form.to_account_id} onChange={(e) => set("to_account_id", e.target.value)} invalid={!!errorFor(errors, "to_account_id")}>
            <option value="">Choose…</option>
            {accounts
              .filter((a) => a.id !== form.account_id)
              .map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
          </Select>
        </Field>
      )}

      <div className="grid gap-3 sm:grid-cols-3">
        {need.sent && (
          <SideFields id={`${p}-sent`} label="Sent" hint={form.kind === "trade" ? "What left: a quantity and a symbol, USD for dollars." : "What left the account."} value={form.sent} error={errorFor(errors, "sent")} onChange={(v) => set("sent", v)} />
        )}
        {need.received && (
          <SideFields
            id={`${p}-received`}
            label={form.kind === "transfer" ? "Received (optional)" : "Received"}
            hint={form.kind === "transfer" ? "What arrived, when less than was sent (the rest paid the network)." : "What came in: a quantity and a symbol, USD for dollars."}
            value={form.received}
            error={errorFor(errors, "received")}
            onChange={(v) => set("received", v)}
          />
        )}
        <SideFields id={`${p}-fee`} label="Fee (optional)" hint="Paid on top of what was sent." value={form.fee} error={errorFor(errors, "fee")} onChange={(v) => set("fee", v)} />
      </div>

      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Value in USD" htmlFor={`${p}-value`} error={errorFor(errors, "value_usd")} hint={valueHint(form.kind)}>
          <Input id={`${p}-value`} value={form.value_usd} onChange={(e) => set("value_usd", e.target.value)} inputMode="decimal" placeholder="1250.00" invalid={!!errorFor(errors, "value_usd")} />
        </Field>
        {form.fee.asset.trim() !== "" && form.fee.asset.trim().toUpperCase() !== "USD" && (
          <Field label="Fee value in USD" htmlFor={`${p}-fee-value`} error={errorFor(errors, "fee_value_usd")} hint="When the fee is paid in a third asset.">
            <Input id={`${p}-fee-value`} value={form.fee_value_usd} onChange={(e) => set("fee_value_usd", e.target.value)} inputMode="decimal" invalid={!!errorFor(errors, "fee_value_usd")} />
          </Field>
        )}
        {form.kind === "income" && (
          <Field label="Income kind" htmlFor={`${p}-income-kind`} error={errorFor(errors, "income_kind")}>
            <Select id={`${p}-income-kind`} value={form.income_kind} onChange={(e) => set("income_kind", e.target.value)} invalid={!!errorFor(errors, "income_kind")}>
              {INCOME_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k.charAt(0).toUpperCase() + k.slice(1)}
                </option>
              ))}
            </Select>
          </Field>
        )}
        <Field label="Note" htmlFor={`${p}-note`} error={errorFor(errors, "note")} hint="Optional" className={cx(form.kind !== "income" && "sm:col-span-1")}>
          <Input id={`${p}-note`} value={form.note} onChange={(e) => set("note", e.target.value)} invalid={!!errorFor(errors, "note")} />
        </Field>
      </div>

      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {mutation.error && Object.keys(server).length === 0 && <FieldError message={plainMessage(mutation.error)} />}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" busy={mutation.isPending}>
          {entry ? "Save changes" : "Add entry"}
        </Button>
        {onDone && entry && (
          <Button variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
