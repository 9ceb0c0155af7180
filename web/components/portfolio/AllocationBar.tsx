import { clampDecimal, subtractDecimals, type DecimalText } from "@/lib/decimal";
import { formatPct } from "@/lib/format";
import { colorAt } from "./palette";

export interface AllocationBarLine {
  key: string;
  symbol: string;
  currentPct: string;
  targetPct?: string | null;
  bandLowPct?: string | null;
  bandHighPct?: string | null;
}

/** A percentage kept inside the bar, as decimal text (CSS takes it as it is). */
const clamp = (v: DecimalText) => clampDecimal(v, "0", "100");

/** One horizontal bar per asset: its current share, with its target and band marked. */
export function AllocationBar({ lines }: { lines: AllocationBarLine[] }) {
  return (
    <ul className="space-y-3" aria-label="Allocation by asset">
      {lines.map((l, i) => {
        const current = clamp(l.currentPct);
        const hasTarget = l.targetPct !== null && l.targetPct !== undefined;
        const target = clamp(l.targetPct);
        const low = l.bandLowPct !== null && l.bandLowPct !== undefined ? clamp(l.bandLowPct) : null;
        const high = l.bandHighPct !== null && l.bandHighPct !== undefined ? clamp(l.bandHighPct) : null;
        return (
          <li key={l.key} data-testid="allocation-bar-line" data-symbol={l.symbol}>
            <div className="mb-1 flex justify-between text-sm">
              <span className="font-medium">{l.symbol}</span>
              <span className="tabular text-slate-600 dark:text-slate-400">
                {formatPct(l.currentPct)}
                {hasTarget && <> / target {formatPct(l.targetPct)}</>}
              </span>
            </div>
            <div className="relative h-3 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700">
              <div data-testid="current" className="absolute inset-y-0 left-0 rounded-full" style={{ width: `${current}%`, backgroundColor: colorAt(i) }} />
              {low !== null && high !== null && (
                <div
                  data-testid="band"
                  title={`Band ${formatPct(l.bandLowPct)} – ${formatPct(l.bandHighPct)}`}
                  className="absolute inset-y-0 border-x-2 border-emerald-600 bg-emerald-300/40 dark:border-emerald-400 dark:bg-emerald-500/30"
                  style={{ left: `${low}%`, width: `${clampDecimal(subtractDecimals(high, low), "0", "100")}%` }}
                />
              )}
              {hasTarget && (
                <div data-testid="target" aria-hidden className="absolute inset-y-0 w-0.5 bg-slate-900 dark:bg-white" style={{ left: `${target}%` }} />
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
