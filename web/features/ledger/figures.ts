/**
 * How the ledger's figures read. A figure the API does not know (`null`) is never shown as 0:
 * it says why it is unknown (incomplete history, or no price).
 */
import { formatUsd } from "@/lib/format";
import type { LedgerImportReport } from "@/lib/api/types";

export const INCOMPLETE = "incomplete";
export const UNKNOWN = "unknown";

/** A dollar figure, or "incomplete" when the asset's history is, or "unknown" (e.g. no price). */
export function usdOrWhy(v: string | null | undefined, incomplete: boolean): string {
  if (incomplete) return INCOMPLETE;
  return v === null || v === undefined ? UNKNOWN : formatUsd(v);
}

/** Whether a previewed file can be imported, and if not, why (shown next to the disabled button). */
export function importVerdict(r: LedgerImportReport): { count: number; allowed: boolean; why: string | null } {
  const count = r.to_add.length;
  if (r.errors.length > 0) {
    const n = r.errors.length;
    return { count, allowed: false, why: `${n} ${n === 1 ? "line has an error" : "lines have errors"}: fix ${n === 1 ? "it" : "them"} in the file (or remove ${n === 1 ? "it" : "them"}) and choose the file again. Nothing is imported while any line has an error.` };
  }
  if (count === 0) return { count, allowed: false, why: r.duplicates.length > 0 ? "Every entry in this file is already in the ledger." : "The file has no entries to add." };
  return { count, allowed: true, why: null };
}

export const importButtonLabel = (count: number) => `Import ${count} ${count === 1 ? "entry" : "entries"}`;

/** The tax years offered: this year back to 2009, newest first. */
export function taxYears(now = new Date()): number[] {
  const out: number[] = [];
  for (let y = now.getUTCFullYear(); y >= 2009; y--) out.push(y);
  return out;
}

/** A 409 from a report's download reads as the API's message, without its pointer to the API route. */
export function reportRefusal(message: string): string {
  return message.replace(/:?\s*see GET \/api\/ledger\/gains for what is missing\.?/i, "").trim();
}

const METHOD_WORDS: Record<string, string> = { fifo: "FIFO (first in, first out)", lifo: "LIFO (last in, first out)", hifo: "HIFO (highest cost first)", average_cost: "Average cost" };
export const methodLabel = (m: string) => METHOD_WORDS[m] ?? m;
const POOLING_WORDS: Record<string, string> = { per_account: "Per account (US rule since 2025)", universal: "One pool per asset" };
export const poolingLabel = (p: string) => POOLING_WORDS[p] ?? p;
