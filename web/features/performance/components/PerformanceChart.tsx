"use client";

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDate, formatUsd, formatUsdCompact } from "@/lib/format";
import { benchKey, type ChartRow } from "../figures";

export interface ChartLine {
  name: string;
  label: string;
  color: string;
  dashed?: boolean;
  /** Exact end-of-day values by date, for the tooltip (the geometry's numbers are rounded). */
  exact: Map<string, string | null>;
}

/** Your value per day, with the benchmark lines shown; a day without a value is a gap in the line. */
export function PerformanceChart({ rows, lines, height = 288 }: { rows: ChartRow[]; lines: ChartLine[]; height?: number }) {
  return (
    <div style={{ height }} className="w-full">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.1} />
          <XAxis dataKey="date" tickFormatter={(d: string) => formatDate(d)} tick={{ fontSize: 12 }} minTickGap={24} stroke="currentColor" strokeOpacity={0.4} />
          <YAxis tickFormatter={(v: number) => formatUsdCompact(v)} tick={{ fontSize: 12 }} width={64} stroke="currentColor" strokeOpacity={0.4} domain={["auto", "auto"]} />
          <Tooltip
            labelFormatter={(d) => formatDate(String(d))}
            formatter={(_v, name, item) => {
              const row = item?.payload as ChartRow | undefined;
              const line = lines.find((l) => l.label === name);
              const exact = line && row ? line.exact.get(row.date) : undefined;
              return [exact == null ? "unknown" : formatUsd(exact), String(name)];
            }}
          />
          <Line type="linear" dataKey="value" name="Your value" stroke="#4f46e5" strokeWidth={2} dot={rows.length < 3} connectNulls={false} isAnimationActive={false} className="perf-line-value" />
          {lines
            .filter((l) => l.name !== "value")
            .map((l) => (
              <Line
                key={l.name}
                type="linear"
                dataKey={benchKey(l.name)}
                name={l.label}
                stroke={l.color}
                strokeWidth={1.5}
                strokeDasharray={l.dashed ? "5 4" : undefined}
                dot={rows.length < 3}
                connectNulls={false}
                isAnimationActive={false}
                className={`perf-line-bench perf-line-${l.name}`}
              />
            ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
