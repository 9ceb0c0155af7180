/**
 * Exact decimal arithmetic for money, quantities and percentages (big.js). The API sends every
 * decimal as a string; adding or comparing them as JS numbers (binary floats) loses cents and
 * digits, so the web parses them here and only ever turns them into numbers for chart geometry.
 */
import Big from "big.js";

/** A private big.js constructor: strict (refuses JS numbers), never exponential notation. */
const D = Big();
D.strict = true;
D.NE = -1_000_000;
D.PE = 1_000_000;
D.DP = 40;
D.RM = 2; // half-even, as the API rounds

export type Decimal = Big;
export type DecimalText = string | null | undefined;

const PLAIN = /^-?\d+(\.\d+)?$/;

/** The API's input format: digits with an optional sign and fraction (`"50"`, `"-0.25"`; not `"1e3"`, `".5"`). */
export function isPlainDecimal(s: string): boolean {
  return PLAIN.test(s);
}

/** The exact value of a plain decimal string, or null for an empty or malformed one. */
export function parseDecimal(v: DecimalText): Decimal | null {
  if (v === null || v === undefined) return null;
  const s = v.trim();
  return isPlainDecimal(s) ? new D(s) : null;
}

export const ZERO: Decimal = new D("0");

/** Adds decimal strings exactly, skipping empty and malformed ones; the sum as plain text. */
export function sumDecimals(values: Iterable<DecimalText>): string {
  let total = ZERO;
  for (const v of values) {
    const d = parseDecimal(v);
    if (d) total = total.plus(d);
  }
  return total.toFixed();
}

/** Orders two decimal strings exactly; a missing or malformed value sorts below every number. */
export function compareDecimals(a: DecimalText, b: DecimalText): -1 | 0 | 1 {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  return x.cmp(y) as -1 | 0 | 1;
}

export function isPositive(v: DecimalText): boolean {
  const d = parseDecimal(v);
  return d !== null && d.gt(ZERO);
}

/** `v` kept within [lo, hi], as plain text (for CSS percentages, which take decimal text). */
export function clampDecimal(v: DecimalText, lo: string, hi: string): string {
  const d = parseDecimal(v) ?? ZERO;
  if (d.lt(lo)) return new D(lo).toFixed();
  if (d.gt(hi)) return new D(hi).toFixed();
  return d.toFixed();
}

export function subtractDecimals(a: DecimalText, b: DecimalText): string {
  return (parseDecimal(a) ?? ZERO).minus(parseDecimal(b) ?? ZERO).toFixed();
}

/** Rounded half-even to `dp` places, as text with exactly `dp` decimals and no "-0". */
export function roundDecimal(v: Decimal, dp: number): string {
  const r = v.round(dp, 2);
  return (r.eq(ZERO) ? r.abs() : r).toFixed(dp);
}

/** For chart geometry only (pie slices, axis ticks): never for sums or comparisons of money. */
export function chartNumber(v: DecimalText): number {
  const d = parseDecimal(v);
  return d ? Number(d.toFixed()) : 0;
}

/** `part` as a percentage of `whole`, exactly (null when `whole` is not positive). */
export function pctOf(part: DecimalText, whole: DecimalText): string | null {
  const p = parseDecimal(part);
  const w = parseDecimal(whole);
  if (!p || !w || !w.gt(ZERO)) return null;
  return p.times("100").div(w).toFixed();
}

export function isNegative(v: DecimalText): boolean {
  const d = parseDecimal(v);
  return d !== null && d.lt(ZERO);
}

/** A raw on-chain integer (base-10 digits) over 10^decimals, as exact decimal text ("1500000", 6 → "1.5"). */
export function rawToDecimal(raw: string | null | undefined, decimals: number | null | undefined): string | null {
  if (!raw || !/^\d+$/.test(raw) || decimals === null || decimals === undefined || decimals < 0) return null;
  const digits = raw.replace(/^0+(?=\d)/, "");
  if (decimals === 0) return digits;
  const padded = digits.padStart(decimals + 1, "0");
  const int = padded.slice(0, padded.length - decimals);
  const frac = padded.slice(padded.length - decimals).replace(/0+$/, "");
  return frac ? `${int}.${frac}` : int;
}
