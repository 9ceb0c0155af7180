"use client";

import { Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip } from "recharts";
import { chartNumber, isPositive } from "@/lib/decimal";
import { formatPct, formatUsd } from "@/lib/format";
import { colorAt } from "./palette";

export interface PieSlice {
  key: string;
  symbol: string;
  valueUsd: string;
  pct: string;
}

/** Current allocation by value. */
export function AllocationPie({ slices }: { slices: PieSlice[] }) {
  const data = slices.map((s, i) => ({ ...s, value: chartNumber(s.valueUsd), color: colorAt(i) })).filter((s) => isPositive(s.valueUsd));
  if (data.length === 0) return <p className="py-8 text-center text-sm text-slate-500">Nothing priced to chart yet.</p>;
  return (
    <div className="h-64 w-full" data-testid="allocation-pie" role="img" aria-label={`Allocation: ${data.map((d) => `${d.symbol} ${formatPct(d.pct)}`).join(", ")}`}>
      <ResponsiveContainer width="100%" height="100%">
        <PieChart>
          <Pie data={data} dataKey="value" nameKey="symbol" innerRadius="55%" outerRadius="85%" paddingAngle={data.length > 1 ? 1 : 0} isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.key} fill={d.color} />
            ))}
          </Pie>
          <Tooltip formatter={(_v, _n, item) => [`${formatUsd((item?.payload as PieSlice | undefined)?.valueUsd)} (${formatPct((item?.payload as PieSlice | undefined)?.pct)})`, (item?.payload as PieSlice | undefined)?.symbol ?? ""]} />
          <Legend verticalAlign="bottom" height={28} />
        </PieChart>
      </ResponsiveContainer>
    </div>
  );
}
