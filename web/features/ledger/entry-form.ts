/**
 * The "add / edit an entry" form as plain data: which amounts each kind takes, the checks made
 * before sending (in the API's field names, so the API's own 422 lands at the same fields), and
 * the request built from it. Decimals stay the text typed: never parsed into floats.
 */
import { isPlainDecimal } from "@/lib/decimal";
import type { LedgerEntry, LedgerEntryRequest, LedgerSide } from "@/lib/api/types";

export type FormKind = "trade" | "deposit" | "withdrawal" | "income" | "spend" | "fee" | "transfer";

export const FORM_KINDS: { value: FormKind; label: string; hint: string }[] = [
  { value: "trade", label: "Trade", hint: "Sent one asset (or dollars) and received another." },
  { value: "deposit", label: "Deposit", hint: "Arrived from outside your accounts; its value is its cost basis." },
  { value: "withdrawal", label: "Withdrawal", hint: "Left for outside your accounts, not sold." },
  { value: "income", label: "Income", hint: "Staking, interest, an airdrop, mining or a reward, at its value when received." },
  { value: "spend", label: "Spend", hint: "Paid for something with crypto: a disposal at its value." },
  { value: "fee", label: "Fee", hint: "A fee paid on its own, e.g. a network fee." },
  { value: "transfer", label: "Transfer", hint: "Moved between two of your own accounts: neither a gain nor income." },
];

export const INCOME_KINDS = ["staking", "interest", "airdrop", "mining", "reward"] as const;

export interface SideInput {
  quantity: string;
  asset: string;
}

export interface EntryForm {
  account_id: string;
  kind: FormKind;
  /** `YYYY-MM-DDTHH:mm[:ss]`, in UTC (a datetime-local input's value). */
  occurred_at: string;
  sent: SideInput;
  received: SideInput;
  fee: SideInput;
  value_usd: string;
  fee_value_usd: string;
  income_kind: string;
  to_account_id: string;
  note: string;
}

const EMPTY_SIDE: SideInput = { quantity: "", asset: "" };

export function emptyForm(accountId = "", now = new Date()): EntryForm {
  return {
    account_id: accountId,
    kind: "trade",
    occurred_at: toLocalInput(now.toISOString()),
    sent: { ...EMPTY_SIDE },
    received: { ...EMPTY_SIDE },
    fee: { ...EMPTY_SIDE },
    value_usd: "",
    fee_value_usd: "",
    income_kind: "staking",
    to_account_id: "",
    note: "",
  };
}

/** Which amounts a kind takes: required (true), optional ("optional") or not at all (false). */
export function sidesOf(kind: FormKind): { sent: boolean | "optional"; received: boolean | "optional" } {
  switch (kind) {
    case "trade":
      return { sent: true, received: true };
    case "deposit":
    case "income":
      return { sent: false, received: true };
    case "transfer":
      return { sent: true, received: "optional" };
    default:
      return { sent: true, received: false };
  }
}

/** What "value in USD" means for each kind (one line under the field). */
export function valueHint(kind: FormKind): string {
  switch (kind) {
    case "trade":
      return "Needed when neither side is USD: the trade's dollar value.";
    case "deposit":
      return "Its cost basis (what it cost you), when it comes from outside.";
    case "income":
      return "Its value when received: that is the income, and its cost basis.";
    case "transfer":
      return "The value of what was sent, for the part lost to the fee.";
    default:
      return "Its dollar value when it left.";
  }
}

/** An ISO time (UTC) as a datetime-local value in UTC, with seconds: `2024-01-05T10:00:00`. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toISOString().slice(0, 19);
}

/** A datetime-local value read as UTC, as RFC 3339; null when it is not a time. */
export function fromLocalInput(v: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(v.trim());
  if (!m) return null;
  const iso = `${m[1]}T${m[2]}${m[3] ?? ":00"}Z`;
  const d = new Date(iso);
  // A day the month does not have (Feb 30) would roll over into the next month: refused.
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[1] ? null : iso;
}

const sideFilled = (s: SideInput) => s.quantity.trim() !== "" || s.asset.trim() !== "";

function checkSide(errors: Record<string, string>, field: string, s: SideInput, need: boolean | "optional", label: string) {
  if (!need) return;
  if (need === "optional" && !sideFilled(s)) return;
  const q = s.quantity.trim();
  if (!q) errors[field] = `Enter the quantity ${label}.`;
  else if (!isPlainDecimal(q) || q.startsWith("-")) errors[field] = "Use digits with an optional decimal point, e.g. 0.5.";
  else if (!s.asset.trim()) errors[field] = "Enter the asset: a symbol (BTC), or USD for dollars.";
}

function checkDecimal(errors: Record<string, string>, field: string, v: string) {
  const s = v.trim();
  if (s && (!isPlainDecimal(s) || s.startsWith("-"))) errors[field] = "Use digits with an optional decimal point, e.g. 1250.50.";
}

/** Every problem found before sending, by the API's field names. */
export function checkEntryForm(f: EntryForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!f.account_id) errors.account_id = "Choose the account.";
  if (!fromLocalInput(f.occurred_at)) errors.occurred_at = "Enter the date and time (UTC).";
  const need = sidesOf(f.kind);
  checkSide(errors, "sent", f.sent, need.sent, "sent");
  checkSide(errors, "received", f.received, need.received, "received");
  checkSide(errors, "fee", f.fee, "optional", "paid as a fee");
  checkDecimal(errors, "value_usd", f.value_usd);
  checkDecimal(errors, "fee_value_usd", f.fee_value_usd);
  if (f.kind === "transfer") {
    if (!f.to_account_id) errors.to_account_id = "Choose the account it went to.";
    else if (f.to_account_id === f.account_id) errors.to_account_id = "Choose another of your accounts.";
  }
  if (f.note.trim().length > 500) errors.note = "Keep the note to 500 characters.";
  return errors;
}

/**
 * The side as the API takes it. An edited entry's asset whose symbol was left as it was is sent
 * by its catalog id, so a symbol two assets share still names the same one.
 */
function sideRequest(s: SideInput, original?: LedgerSide | null): LedgerEntryRequest["sent"] {
  if (!sideFilled(s)) return null;
  const asset = s.asset.trim();
  const same = original && original.asset_id && original.symbol.toUpperCase() === asset.toUpperCase();
  return { asset: same ? original.asset_id! : asset, quantity: s.quantity.trim() };
}

/** The request for a checked form; `original` is the entry being edited, if any. */
export function toEntryRequest(f: EntryForm, original?: LedgerEntry): LedgerEntryRequest {
  const need = sidesOf(f.kind);
  const occurred = original && toLocalInput(original.occurred_at) === f.occurred_at ? original.occurred_at : fromLocalInput(f.occurred_at)!;
  const text = (v: string) => (v.trim() ? v.trim() : null);
  return {
    account_id: f.account_id,
    kind: f.kind,
    occurred_at: occurred,
    sent: need.sent ? sideRequest(f.sent, original?.sent) : null,
    received: need.received ? sideRequest(f.received, original?.received) : null,
    fee: sideRequest(f.fee, original?.fee),
    value_usd: text(f.value_usd),
    fee_value_usd: text(f.fee_value_usd),
    income_kind: f.kind === "income" ? f.income_kind : null,
    to_account_id: f.kind === "transfer" ? f.to_account_id : null,
    note: text(f.note),
  };
}

const sideInput = (s: LedgerSide | null | undefined): SideInput => (s ? { quantity: s.quantity, asset: s.symbol } : { ...EMPTY_SIDE });

/** An entry as the form to edit it. */
export function formOf(e: LedgerEntry): EntryForm {
  return {
    account_id: e.account_id,
    kind: e.kind,
    occurred_at: toLocalInput(e.occurred_at),
    sent: sideInput(e.sent),
    received: sideInput(e.received),
    fee: sideInput(e.fee),
    value_usd: e.value_usd ?? "",
    fee_value_usd: e.fee_value_usd ?? "",
    income_kind: e.income_kind ?? "staking",
    to_account_id: "",
    note: e.note ?? "",
  };
}

/** An amount as "quantity SYMBOL" (empty when there is none), the quantity formatted by `format`. */
export function sideText(s: { quantity: string; symbol: string } | null | undefined, format: (q: string) => string): string {
  return s ? `${format(s.quantity)} ${s.symbol}` : "";
}

/** Where an entry came from, in words: `manual` → "Manual", `csv:koinly` → "CSV (Koinly)". */
export function sourceLabel(source: string): string {
  if (source === "manual") return "Manual";
  const [kind, name] = source.split(":");
  const names: Record<string, string> = { generic: "generic", koinly: "Koinly", binance: "Binance" };
  if (kind === "csv") return `CSV (${names[name] ?? name})`;
  return source.charAt(0).toUpperCase() + source.slice(1);
}
