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

/** Quantities keep their precision but drop trailing zeros; past 8 places they are cut, never rounded up. */
export function formatQuantity(v: string | null | undefined): string {
  if (!v) return "—";
  if (!v.includes(".")) return v;
  const trimmed = v.replace(/0+$/, "").replace(/\.$/, "");
  const [int, frac = ""] = trimmed.split(".");
  return frac.length > 8 ? `${int}.${frac.slice(0, 8)}…` : trimmed;
}

export function formatDateTime(v: string | null | undefined): string {
  if (!v) return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toLocaleString();
}

export function formatDate(v: string | null | undefined): string {
  if (!v) return "—";
  const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(d.getTime()) ? v : d.toLocaleDateString(undefined, { timeZone: v.length === 10 ? "UTC" : undefined });
}

/** Seconds from `v` until `now` (null when `v` is missing or not a time). */
export function ageSeconds(v: string | null | undefined, now = Date.now()): number | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : (now - t) / 1000;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;

export function timeAgo(v: string | null | undefined, now = Date.now()): string {
  if (!v) return "never";
  const age = ageSeconds(v, now);
  if (age === null) return v;
  const s = Math.round(age);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.round(h / 24);
  if (days < 14) return plural(days, "day");
  if (days < 60) return plural(Math.round(days / 7), "week");
  return plural(Math.round(days / 30), "month");
}
