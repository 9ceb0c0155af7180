import { compareDecimals, isPositive, sumDecimals } from "@/lib/decimal";

export interface PieSlice {
  key: string;
  symbol: string;
  valueUsd: string;
  pct: string;
  targetPct?: string | null;
}

/** Slices below this share (percent) join "Other" when there are at least two of them. */
export const SMALL_SLICE_PCT = "2";

/**
 * The pie's slices: the positive ones by value, with the small tail (each under 2 %) grouped as
 * one "Other" slice so no slice is too thin to see; the legend still lists every line.
 */
export function groupSlices(slices: PieSlice[]): { shown: PieSlice[]; grouped: PieSlice[] } {
  const positive = slices.filter((s) => isPositive(s.valueUsd)).sort((a, b) => compareDecimals(b.valueUsd, a.valueUsd));
  const small = positive.filter((s) => compareDecimals(s.pct, SMALL_SLICE_PCT) < 0);
  if (small.length < 2) return { shown: positive, grouped: [] };
  const big = positive.filter((s) => !small.includes(s));
  const other: PieSlice = { key: "__other", symbol: `Other (${small.length})`, valueUsd: sumDecimals(small.map((s) => s.valueUsd)), pct: sumDecimals(small.map((s) => s.pct)) };
  return { shown: [...big, other], grouped: small };
}
