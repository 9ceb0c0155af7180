"use client";

import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TimelinePoint } from "@/lib/api/types";
import { chartNumber, isPositive } from "@/lib/decimal";
import { formatDate, formatUsd, formatUsdCompact } from "@/lib/format";

/** Room above and below the line, also when every point has the same value; below 0 only when a value is (debts larger than assets). */
export function paddedDomain([min, max]: readonly [number, number]): [number, number] {
  const span = max - min;
  const pad = span > 0 ? span * 0.1 : Math.max(Math.abs(max) * 0.05, 1);
  return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
}

export interface ChartPoint {
  date: string;
  value: number;
  /** The net value (assets − liabilities), exact. */
  exact: string;
  assets: string;
  owed: string;
  /** Accounts the point lacks (not read yet when it was taken). */
  notRead: number;
}

/** The timeline as the chart plots it: the net value, with assets and liabilities beside it. */
export function chartPoints(points: TimelinePoint[]): ChartPoint[] {
  return points.map((p) => {
    const net = p.net_value_usd ?? p.total_value_usd;
    return { date: p.date, value: chartNumber(net), exact: net, assets: p.assets_usd ?? net, owed: p.liabilities_usd ?? "0", notRead: p.accounts_not_read ?? 0 };
  });
}

/** "$60,000.00 net (assets $63,000.00 − owed $3,000.00) · incomplete: 1 account not read yet". */
export function pointText(p: ChartPoint): string {
  const owed = isPositive(p.owed) ? ` net (assets ${formatUsd(p.assets)} − owed ${formatUsd(p.owed)})` : "";
  const missing = p.notRead > 0 ? ` · incomplete: ${p.notRead} account${p.notRead === 1 ? "" : "s"} not read yet` : "";
  return `${formatUsd(p.exact)}${owed}${missing}`;
}

function IncompleteNote({ data }: { data: ChartPoint[] }) {
  const gaps = data.filter((p) => p.notRead > 0);
  if (gaps.length === 0) return null;
  return (
    <p className="mt-1 text-xs text-amber-700 dark:text-amber-400" data-testid="value-history-incomplete">
      Incomplete ({gaps.map((p) => `${formatDate(p.date)}: ${p.notRead} account${p.notRead === 1 ? "" : "s"} not read yet`).join("; ")}): those points leave out accounts that had not been read.
    </p>
  );
}

/** Net value (assets − liabilities) per day, from a portfolio's snapshot timeline. */
export function ValueHistoryChart({ points, height = 256 }: { points: TimelinePoint[]; height?: number }) {
  const data = chartPoints(points);
  if (data.length === 0) return <p className="py-8 text-center text-sm text-slate-500">No snapshots yet: the chart fills in as snapshots are taken.</p>;
  if (data.length === 1) {
    // One point is not a line: show it as a value, and say when the history grows.
    return (
      <div style={{ height }} className="flex w-full flex-col items-center justify-center gap-1 text-center" data-testid="value-history-chart" data-points="1" role="img" aria-label={`Net value on ${formatDate(data[0].date)}: ${pointText(data[0])}`}>
        <p className="text-sm text-slate-500">{formatDate(data[0].date)}</p>
        <p className="tabular text-2xl font-semibold" data-testid="value-history-single">
          {formatUsd(data[0].exact)}
        </p>
        {(isPositive(data[0].owed) || data[0].notRead > 0) && <p className="tabular text-xs text-slate-500" data-testid="value-history-single-detail">{pointText(data[0])}</p>}
        <p className="max-w-xs text-xs text-slate-500">The first snapshot. A snapshot is taken every day, so the line appears from tomorrow.</p>
      </div>
    );
  }
  return (
    <div className="w-full">
    <div style={{ height }} className="w-full" data-testid="value-history-chart" role="img" aria-label={`Net value history over ${data.length} day${data.length === 1 ? "" : "s"}`}>
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
          <Tooltip formatter={(_v, _n, item) => [pointText(item?.payload as ChartPoint), "Net value"]} labelFormatter={(d) => formatDate(String(d))} />
          <Area type="monotone" dataKey="value" stroke="#6366f1" strokeWidth={2} fill="url(#valueFill)" isAnimationActive={false} dot={data.length < 3} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
    <IncompleteNote data={data} />
    </div>
  );
}
