import type { FieldErrors } from "./api/field-errors";

/** A whole number within [min, max] typed by a person ("18", " 31337 "); an error sentence otherwise. */
export function wholeNumberError(raw: string, min: number, max: number, what = "a whole number"): string | undefined {
  const s = raw.trim().replace(/[,_\s]/g, "");
  if (s === "") return `Enter ${what}.`;
  if (!/^\d+$/.test(s)) return `Enter ${what}, digits only (like ${min === 0 ? 18 : 1}).`;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `Enter ${what} from ${min} to ${max.toLocaleString("en-US")}.`;
  return undefined;
}

export const wholeNumber = (raw: string) => Number(raw.trim().replace(/[,_\s]/g, ""));

/** Keeps only the entries that have a message. */
export function collect(entries: [string, string | undefined][]): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, m] of entries) if (m) out[k] = m;
  return out;
}
