"use client";

import { Card } from "@/components/ui";
import type { DailyBalance } from "@/lib/api/types";
import { sumDecimals } from "@/lib/decimal";
import { formatDate, formatQuantity, formatUsd } from "@/lib/format";
import { useAccountBalanceHistory } from "../api/balance-history";

export interface HistoryDay {
  day: string;
  /** Exact sum of the day's valued lines, or null when any line had no value then. */
  valueUsd: string | null;
  lines: DailyBalance[];
}

/** Groups the daily lines by day, newest first; a day with an unvalued line has no total. */
export function historyDays(lines: DailyBalance[]): HistoryDay[] {
  const byDay = new Map<string, DailyBalance[]>();
  for (const l of lines) byDay.set(l.day, [...(byDay.get(l.day) ?? []), l]);
  return [...byDay.entries()]
    .sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0))
    .map(([day, ls]) => ({
      day,
      valueUsd: ls.every((l) => l.value_usd != null) ? sumDecimals(ls.map((l) => l.value_usd)) : null,
      lines: ls,
    }));
}

/** The account's end-of-day balances (kept daily by the end-of-day job). */
export function BalanceHistory({ accountId }: { accountId: string }) {
  const history = useAccountBalanceHistory(accountId);
  const days = historyDays(history.data ?? []);
  return (
    <Card title="Daily balances" className="mt-6">
      {history.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {history.error && <p className="text-sm text-rose-600">The balance history could not be loaded.</p>}
      {history.data && days.length === 0 && <p className="text-sm text-slate-500">No daily balance yet: the end-of-day job keeps one each day.</p>}
      {days.length > 0 && (
        <ul className="space-y-2 text-sm" data-testid="balance-history">
          {days.map((d) => (
            <li key={d.day}>
              <details>
                <summary className="flex cursor-pointer flex-wrap gap-x-3">
                  <span className="tabular">{formatDate(d.day)}</span>
                  <span className="tabular font-medium">{d.valueUsd === null ? "partly unpriced" : formatUsd(d.valueUsd)}</span>
                </summary>
                <ul className="mt-1 pl-4">
                  {d.lines.map((l) => (
                    <li key={`${l.symbol}-${l.kind}-${l.asset_id ?? ""}`} className="flex flex-wrap gap-x-3">
                      <span className="font-medium">{l.symbol}</span>
                      <span className="tabular">{formatQuantity(l.quantity)}</span>
                      <span className="tabular text-slate-500">{l.value_usd == null ? "no price" : formatUsd(l.value_usd)}</span>
                      {l.kind !== "spot" && <span className="text-slate-500">{l.kind}</span>}
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
