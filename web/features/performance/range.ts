/**
 * The page's choices as the API's query: which accounts (all, one, or a portfolio's) and which
 * days (a preset, or a custom from/to). Dates are UTC days as `YYYY-MM-DD`, computed as the API
 * computes them (`api/src/http/performance.rs::range_start`), so a custom range opened from a
 * preset starts on the same day.
 */

export const PRESETS = ["1D", "1W", "1M", "YTD", "1Y", "ALL"] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = { "1D": "1D", "1W": "1W", "1M": "1M", YTD: "YTD", "1Y": "1Y", ALL: "All" };

export type Scope = { kind: "all" } | { kind: "account"; id: string } | { kind: "portfolio"; id: string };
export type Range = { kind: "preset"; preset: Preset } | { kind: "custom"; from: string; to: string };

export interface PerformanceQuery {
  account_id?: string;
  portfolio_id?: string;
  range?: Preset;
  from?: string;
  to?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A UTC day as a Date at 00:00 UTC, or null when `s` is not a real `YYYY-MM-DD` day. */
export function parseDay(s: string): Date | null {
  const m = DAY.exec(s);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s ? d : null;
}

export const dayText = (d: Date) => d.toISOString().slice(0, 10);

/** Today as a UTC day (the API's days are UTC). */
export const todayUtc = (now: Date = new Date()) => dayText(now);

function addDays(day: string, n: number): string {
  const d = parseDay(day)!;
  d.setUTCDate(d.getUTCDate() + n);
  return dayText(d);
}

/** `months` earlier, on the same day of the month or the month's last day when it has fewer (31 Mar − 1 month = 29 Feb). */
function subMonths(day: string, months: number): string {
  const d = parseDay(day)!;
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() - months;
  const [y, m] = [Math.floor(total / 12), total % 12];
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return dayText(new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last))));
}

/** A preset's first day (null for All: since the first entry) and last day, ending `today`. */
export function presetDates(preset: Preset, today: string): { from: string | null; to: string } {
  if (!parseDay(today)) throw new Error(`not a day: ${today}`);
  const from = {
    "1D": () => addDays(today, -1),
    "1W": () => addDays(today, -7),
    "1M": () => subMonths(today, 1),
    "1Y": () => subMonths(today, 12),
    YTD: () => `${today.slice(0, 4)}-01-01`,
    ALL: () => null,
  }[preset]();
  return { from, to: today };
}

/** Why a custom range cannot be asked for, or null when it can. */
export function customRangeError(from: string, to: string, today: string): string | null {
  const f = parseDay(from);
  const t = parseDay(to);
  if (!f) return "Choose the first day.";
  if (!t) return "Choose the last day.";
  if (f > t) return "The first day must not be after the last day.";
  if (to > today) return "The last day cannot be after today.";
  return null;
}

/** The API's query for a scope and a range. */
export function performanceQuery(scope: Scope, range: Range): PerformanceQuery {
  const q: PerformanceQuery = {};
  if (scope.kind === "account") q.account_id = scope.id;
  if (scope.kind === "portfolio") q.portfolio_id = scope.id;
  if (range.kind === "preset") q.range = range.preset;
  else {
    q.from = range.from;
    q.to = range.to;
  }
  return q;
}

/** The scope select's value (`all`, `account:<id>`, `portfolio:<id>`) and back. */
export const scopeValue = (s: Scope) => (s.kind === "all" ? "all" : `${s.kind}:${s.id}`);
export function parseScope(v: string): Scope {
  const [kind, id] = v.split(/:(.*)/s);
  if ((kind === "account" || kind === "portfolio") && id) return { kind, id };
  return { kind: "all" };
}
