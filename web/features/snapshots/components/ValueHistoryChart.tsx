"use client";

import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TimelinePoint } from "@/lib/api/types";
import { chartNumber } from "@/lib/decimal";
import { formatDate, formatUsd, formatUsdCompact } from "@/lib/format";

/** Room above and below the line, also when every point has the same value. */
export function paddedDomain([min, max]: readonly [number, number]): [number, number] {
  const span = max - min;
  const pad = span > 0 ? span * 0.1 : Math.max(Math.abs(max) * 0.05, 1);
  return [Math.max(0, min - pad), max + pad];
}

/** Total value per day, from a portfolio's snapshot timeline. */
export function ValueHistoryChart({ points, height = 256 }: { points: TimelinePoint[]; height?: number }) {
  const data = points.map((p) => ({ date: p.date, value: chartNumber(p.total_value_usd), exact: p.total_value_usd }));
  if (data.length === 0) return <p className="py-8 text-center text-sm text-slate-500">No snapshots yet: the chart fills in as snapshots are taken.</p>;
  if (data.length === 1) {
    // One point is not a line: show it as a value, and say when the history grows.
    return (
      <div style={{ height }} className="flex w-full flex-col items-center justify-center gap-1 text-center" data-testid="value-history-chart" data-points="1" role="img" aria-label={`Value on ${formatDate(data[0].date)}: ${formatUsd(data[0].exact)}`}>
        <p className="text-sm text-slate-500">{formatDate(data[0].date)}</p>
        <p className="tabular text-2xl font-semibold" data-testid="value-history-single">
          {formatUsd(data[0].exact)}
        </p>
        <p className="max-w-xs text-xs text-slate-500">The first snapshot. A snapshot is taken every day, so the line appears from tomorrow.</p>
      </div>
    );
  }
  return (
    <div style={{ height }} className="w-full" data-testid="value-history-chart" role="img" aria-label={`Value history over ${data.length} day${data.length === 1 ? "" : "s"}`}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <defs>
            <linearGradient id="valueFill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="#6366f1" stopOpacity={0.35} />
              <stop offset="100%" stopColor="#6366f1" stopOpacity={0.02} />
            </linearGradient>
          </defs>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.1} />
          <XAxis dataKey="date" tickFormatter={(d: string) => formatDate(d)} tick={{ fontSize: 12 }} minTickGap={24} stroke="currentColor" strokeOpacity={0.4} />
          <YAxis tickFormatter={(v: number) => formatUsdCompact(v)} tick={{ fontSize: 12 }} width={64} stroke="currentColor" strokeOpacity={0.4} domain={paddedDomain} />
          <Tooltip formatter={(_v, _n, item) => [formatUsd((item?.payload as { exact?: string } | undefined)?.exact), "Value"]} labelFormatter={(d) => formatDate(String(d))} />
          <Area type="monotone" dataKey="value" stroke="#6366f1" strokeWidth={2} fill="url(#valueFill)" isAnimationActive={false} dot={data.length < 3} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
