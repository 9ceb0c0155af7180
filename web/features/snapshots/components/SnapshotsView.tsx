"use client";

import { useState } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, Input, TableWrap, td, th } from "@/components/ui";
import { PortfolioFrame } from "@/components/portfolio/PortfolioHeader";
import { downloadCsv, toCsv } from "@/lib/csv";
import type { AllocationLine, Portfolio, Snapshot } from "@/lib/api/types";
import { isPositive } from "@/lib/decimal";
import { formatDate, formatDateTime, formatQuantity, formatUsd } from "@/lib/format";
import { useCreateSnapshot } from "../api/create-snapshot";
import { useSnapshots, type DateRange } from "../api/get-snapshots";
import { useTimeline } from "@/lib/api/get-timeline";
import { ValueHistoryChart } from "@/components/portfolio/charts";

/** The snapshot's allocation lines (the API documents `holdings` only as an object). */
export function snapshotLines(s: Snapshot): AllocationLine[] {
  const raw: unknown = s.holdings;
  return Array.isArray(raw) ? (raw.filter((x) => x && typeof x === "object" && typeof x.symbol === "string") as AllocationLine[]) : [];
}

/** One row per snapshot and holding, so the file carries the quantities and the prices used. */
export function snapshotsCsv(snapshots: Snapshot[]): string {
  const rows: (string | null | undefined)[][] = [];
  for (const s of snapshots) {
    const lines = snapshotLines(s);
    if (lines.length === 0) rows.push([s.snapshot_date, s.snapshot_type, s.total_value_usd, "", "", "", ""]);
    for (const h of lines) rows.push([s.snapshot_date, s.snapshot_type, s.total_value_usd, h.symbol, h.quantity, h.price_usd ?? "", h.value_usd ?? ""]);
  }
  return toCsv(["date", "type", "total_value_usd", "symbol", "quantity", "price_usd", "value_usd"], rows);
}

function SnapshotsBody({ portfolio }: { portfolio: Portfolio }) {
  const [range, setRange] = useState<DateRange>({});
  const snapshots = useSnapshots(portfolio.id, range);
  const timeline = useTimeline(portfolio.id, range);
  const take = useCreateSnapshot();
  const [open, setOpen] = useState<string | null>(null);

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="From" htmlFor="snap-from">
          <Input id="snap-from" type="date" value={range.from ?? ""} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value || undefined }))} />
        </Field>
        <Field label="To" htmlFor="snap-to">
          <Input id="snap-to" type="date" value={range.to ?? ""} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value || undefined }))} />
        </Field>
        <div className="ml-auto flex gap-2">
          <Button
            variant="secondary"
            disabled={!snapshots.data || snapshots.data.length === 0}
            onClick={() => snapshots.data && downloadCsv(`snapshots-${portfolio.name.replace(/[^\w.-]+/g, "_")}.csv`, snapshotsCsv(snapshots.data))}
          >
            Export CSV
          </Button>
          <Button busy={take.isPending} onClick={() => take.mutate(portfolio.id)}>
            Take snapshot
          </Button>
        </div>
      </div>
      <Card title="Value history">
        <QueryState query={timeline} loadingLabel="Loading history…">
          {(points) => <ValueHistoryChart points={points} />}
        </QueryState>
      </Card>
      <Card title="Snapshots">
        <QueryState
          query={snapshots}
          loadingLabel="Loading snapshots…"
          isEmpty={(d) => d.length === 0}
          empty={<EmptyState title="No snapshots in this range">Take one now, or wait for the end-of-day snapshot.</EmptyState>}
        >
          {(list) => (
            <TableWrap>
              <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800" data-testid="snapshots-table">
                <thead>
                  <tr>
                    <th className={th}>Date</th>
                    <th className={th}>Type</th>
                    <th className={`${th} text-right`}>Net value</th>
                    <th className={`${th} text-right`}>Holdings</th>
                    <th className={th}>Taken</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {list.map((s) => (
                    <SnapshotRow key={s.id} s={s} open={open === s.id} onToggle={() => setOpen((o) => (o === s.id ? null : s.id))} />
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

function SnapshotRow({ s, open, onToggle }: { s: Snapshot; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr data-testid="snapshot-row">
        <td className={td}>
          <button type="button" className="text-indigo-700 hover:underline dark:text-indigo-400" onClick={onToggle} aria-expanded={open}>
            {formatDate(s.snapshot_date)}
          </button>
        </td>
        <td className={td}>
          <Badge tone={s.snapshot_type === "manual" ? "blue" : "slate"}>{s.snapshot_type}</Badge>
          {(s.accounts_not_read ?? 0) > 0 && (
            <span className="ml-1">
              <Badge tone="amber" testId="snapshot-incomplete" title={`${s.accounts_not_read} linked account${s.accounts_not_read === 1 ? "" : "s"} had not been read yet: left out of this snapshot`}>
                incomplete
              </Badge>
            </span>
          )}
        </td>
        <td className={`${td} tabular text-right`} data-testid="snapshot-net-value">
          {formatUsd(s.net_value_usd ?? s.total_value_usd)}
          {isPositive(s.liabilities_usd) && (
            <span className="block text-xs text-slate-500" data-testid="snapshot-liabilities">
              assets {formatUsd(s.assets_usd)} − owed {formatUsd(s.liabilities_usd)}
            </span>
          )}
        </td>
        <td className={`${td} tabular text-right`}>{snapshotLines(s).length}</td>
        <td className={`${td} text-slate-500`}>{formatDateTime(s.created_at)}</td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5} className="bg-slate-50 px-3 py-2 dark:bg-slate-800/50">
            <ul className="grid gap-1 text-sm sm:grid-cols-2">
              {snapshotLines(s).map((h, i) => (
                <li key={`${h.symbol}-${i}`} className="flex items-baseline justify-between gap-2" data-testid="snapshot-line" data-symbol={h.symbol}>
                  <span className="font-medium">{h.symbol}</span>
                  {/* Value and quantity apart, each with its unit: "$145,851.18" and "48.62 ETH". */}
                  <span className="tabular text-right">
                    <span data-testid="snapshot-line-value">{formatUsd(h.value_usd)}</span>
                    <span className="block text-xs text-slate-500" data-testid="snapshot-line-quantity">
                      {formatQuantity(h.quantity)} {h.symbol}
                    </span>
                  </span>
                </li>
              ))}
            </ul>
          </td>
        </tr>
      )}
    </>
  );
}

export function SnapshotsView({ id }: { id: string }) {
  return <PortfolioFrame id={id}>{(p) => <SnapshotsBody portfolio={p} />}</PortfolioFrame>;
}
