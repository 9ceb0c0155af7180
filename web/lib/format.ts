import { parseDecimal, roundDecimal, type DecimalText } from "./decimal";

const usdCompact = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumSignificantDigits: 3 });

/** "1234567" -> "1,234,567" (digits only). */
function groupThousands(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Rounds half-even to `dp` places from the exact text and groups thousands: "-1,234.50". */
export function formatDecimal(v: DecimalText, dp: number): string {
  const d = parseDecimal(v);
  if (!d) return "—";
  const fixed = roundDecimal(d, dp);
  const negative = fixed.startsWith("-");
  const [int, frac] = (negative ? fixed.slice(1) : fixed).split(".");
  return `${negative ? "-" : ""}${groupThousands(int)}${frac ? `.${frac}` : ""}`;
}

/** US dollars to the cent, formatted from the decimal text itself (no float on the way). */
export function formatUsd(v: DecimalText): string {
  const s = formatDecimal(v, 2);
  if (s === "—") return s;
  return s.startsWith("-") ? `-$${s.slice(1)}` : `$${s}`;
}

/** What an unknown total reads as: an account never read is not worth $0. */
export const NOT_READ_YET = "not read yet";

/** A total the API may not know (`null`: nothing read yet), in US dollars or "not read yet". */
export function formatKnownUsd(v: DecimalText): string {
  return v === null || v === undefined ? NOT_READ_YET : formatUsd(v);
}

/** Chart axis ticks only: the tick positions are numbers already. */
export function formatUsdCompact(v: number): string {
  return usdCompact.format(v);
}

export function formatPct(v: DecimalText, digits = 1): string {
  const s = formatDecimal(v, digits);
  return s === "—" ? s : `${s}%`;
}

export function formatSignedPoints(v: DecimalText, digits = 1): string {
  const s = formatDecimal(v ?? "0", digits);
  const abs = s.replace(/^-/, "");
  const zero = /^[0.,]*$/.test(abs);
  const sign = zero ? "±" : s.startsWith("-") ? "−" : "+";
  return `${sign}${abs} pts`;
}

/**
 * Quantities keep their precision but drop trailing zeros, with thousands separators; past
 * `maxDp` places (8, or the asset's decimals when fewer) they are cut, never rounded up.
 */
export function formatQuantity(v: string | null | undefined, decimals?: number | null): string {
  if (!v) return "—";
  const maxDp = Math.min(8, decimals ?? 8);
  const negative = v.startsWith("-");
  const body = negative ? v.slice(1) : v;
  const trimmed = body.includes(".") ? body.replace(/0+$/, "").replace(/\.$/, "") : body;
  const [int, frac = ""] = trimmed.split(".");
  const grouped = /^\d+$/.test(int) ? groupThousands(int) : int;
  const cut = frac.length > maxDp;
  const f = cut ? frac.slice(0, maxDp) : frac;
  return `${negative ? "-" : ""}${grouped}${f ? `.${f}` : ""}${cut ? "…" : ""}`;
}

export { ageSeconds, formatDate, formatDateTime, timeAgo } from "./time";
