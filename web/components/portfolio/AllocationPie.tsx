"use client";

import { Cell, Pie, PieChart, ResponsiveContainer, Tooltip } from "recharts";
import { chartNumber } from "@/lib/decimal";
import { formatPct, formatUsd } from "@/lib/format";
import { colorAt } from "./palette";
import { groupSlices, type PieSlice } from "./pie-groups";

export type { PieSlice } from "./pie-groups";

const OTHER_COLOR = "#94a3b8";

/** Current allocation by value; the small tail is one "Other" slice, and the legend lists every line with its target. */
export function AllocationPie({ slices }: { slices: PieSlice[] }) {
  const { shown, grouped } = groupSlices(slices);
  const data = shown.map((s, i) => ({ ...s, value: chartNumber(s.valueUsd), color: s.key === "__other" ? OTHER_COLOR : colorAt(i) }));
  if (data.length === 0) return <p className="py-8 text-center text-sm text-slate-500">Nothing priced to chart yet.</p>;
  const colorOf = (s: PieSlice) => (grouped.includes(s) ? OTHER_COLOR : (data.find((d) => d.key === s.key)?.color ?? "transparent"));
  return (
    <div>
      <div className="h-56 w-full" data-testid="allocation-pie" role="img" aria-label={`Allocation: ${slices.map((d) => `${d.symbol} ${formatPct(d.pct)}`).join(", ")}`}>
        <ResponsiveContainer width="100%" height="100%">
          <PieChart>
            <Pie data={data} dataKey="value" nameKey="symbol" innerRadius="55%" outerRadius="85%" paddingAngle={data.length > 1 ? 1 : 0} isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.key} fill={d.color} />
              ))}
            </Pie>
            <Tooltip formatter={(_v, _n, item) => [`${formatUsd((item?.payload as PieSlice | undefined)?.valueUsd)} (${formatPct((item?.payload as PieSlice | undefined)?.pct)})`, (item?.payload as PieSlice | undefined)?.symbol ?? ""]} />
          </PieChart>
        </ResponsiveContainer>
      </div>
      <ul className="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-2" data-testid="allocation-legend">
        {slices.map((s) => (
          <li key={s.key} className="flex items-center justify-between gap-2" data-testid="legend-item" data-symbol={s.symbol} data-grouped={grouped.includes(s) || undefined}>
            <span className="flex min-w-0 items-center gap-2">
              <span aria-hidden className="h-2.5 w-2.5 shrink-0 rounded-full border border-slate-400" style={{ background: colorOf(s), borderColor: colorOf(s) === "transparent" ? undefined : colorOf(s) }} />
              <span className="truncate">{s.symbol}</span>
              {grouped.includes(s) && <span className="text-xs text-slate-500">in Other</span>}
            </span>
            <span className="tabular shrink-0 text-slate-600 dark:text-slate-400">
              {formatPct(s.pct)}
              {s.targetPct !== undefined && <span className="text-xs text-slate-500"> / target {s.targetPct === null ? "—" : formatPct(s.targetPct)}</span>}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
