/**
 * How the performance figures read. Returns arrive as exact decimal fractions (`"0.0909"` is
 * +9.09 %); a figure the API does not know (`null`) reads "unknown" with the reasons from
 * `incomplete`, never 0. Chart geometry is the only place a number is made of a decimal.
 */
import { chartNumber, parseDecimal, roundDecimal, type DecimalText } from "@/lib/decimal";
import { formatDate, formatDecimal, formatUsd } from "@/lib/format";
import type { Benchmark, PerformanceIncomplete, PerformancePoint } from "@/lib/api/types";

export const UNKNOWN = "unknown";

/** A fraction as a signed percentage, exactly rounded half-even: "0.090909" → "+9.09%"; null → "unknown". */
export function formatReturn(v: DecimalText, dp = 2): string {
  const d = parseDecimal(v);
  if (!d) return UNKNOWN;
  const pct = roundDecimal(d.times("100"), dp);
  const zero = /^-?[0.]*$/.test(pct);
  const body = formatDecimal(pct, dp).replace(/^-/, "");
  return `${zero ? "" : pct.startsWith("-") ? "-" : "+"}${body}%`;
}

/** A share of the total return, in percentage points: "0.025" → "+2.50 pts"; null → "unknown". */
export function formatPoints(v: DecimalText, dp = 2): string {
  const s = formatReturn(v, dp);
  return s === UNKNOWN ? s : `${s.slice(0, -1)} pts`;
}

/** A dollar amount, or "unknown" (never $0 for a figure the API could not compute). */
export const usdOrUnknown = (v: DecimalText) => (parseDecimal(v) ? formatUsd(v) : UNKNOWN);

/** The sign of a figure, for its colour. */
export function tone(v: DecimalText): "up" | "down" | "flat" | "unknown" {
  const d = parseDecimal(v);
  if (!d) return "unknown";
  return d.gt("0") ? "up" : d.lt("0") ? "down" : "flat";
}

const BASIS: Record<string, string> = { cumulative: "cumulative: over the whole range", annualised: "annualised: per year" };
export const basisLabel = (basis: string) => BASIS[basis] ?? basis;

/** Why figures are unknown, one line each: the days without a value, the assets without a price, the failed fetches. */
export function unknownReasons(inc: PerformanceIncomplete | null | undefined): string[] {
  if (!inc) return [];
  const out: string[] = [];
  if (inc.day_count > 0) {
    const shown = inc.days.slice(0, 3).map((d) => formatDate(d));
    const more = inc.day_count > shown.length ? `, and ${inc.day_count - shown.length} more` : "";
    out.push(`${inc.day_count} ${inc.day_count === 1 ? "day has" : "days have"} no value (${shown.join(", ")}${more})`);
  }
  if (inc.unpriced_assets.length > 0) out.push(`no daily price for ${inc.unpriced_assets.join(", ")}`);
  if (inc.unread_accounts.length > 0) out.push(`holdings not known on those days for ${inc.unread_accounts.join(", ")} (no ledger, and no stored daily balances)`);
  for (const f of inc.failed_backfills) out.push(`price history could not be fetched: ${f}`);
  return out;
}

/** One chart row: the value and each benchmark as numbers for the geometry (null is a gap), the exact text beside them. */
export interface ChartRow {
  date: string;
  value: number | null;
  exact: string | null;
  [benchmark: `bench_${string}`]: number | null;
}

export const benchKey = (name: string) => `bench_${name}` as const;

/** The series and the benchmarks by day; a day with no value stays null (a gap), never 0. */
export function chartRows(series: PerformancePoint[], benchmarks: Benchmark[]): ChartRow[] {
  const byName = benchmarks.map((b) => ({ key: benchKey(b.name), values: new Map(b.series.map((p) => [p.date, p.value_usd ?? null])) }));
  return series.map((p) => {
    const row: ChartRow = { date: p.date, value: p.value_usd == null ? null : chartNumber(p.value_usd), exact: p.value_usd ?? null };
    for (const b of byName) {
      const v = b.values.get(p.date);
      row[b.key] = v == null ? null : chartNumber(v);
    }
    return row;
  });
}

/** How many days of the series have no value (drawn as gaps). */
export const gapCount = (series: PerformancePoint[]) => series.filter((p) => p.value_usd == null).length;

/** "Values to 7 Dec 2026 (today: latest price)": the last day the figures run to. */
export function asOfText(to: string, today: string): string {
  return to === today ? `to ${formatDate(to)} (today, at the latest price)` : `to ${formatDate(to)} (that day's close)`;
}
