"use client";

import { Button, TableWrap, td, th } from "@/components/ui";
import { downloadCsv, toCsv } from "@/lib/csv";
import { compareDecimals } from "@/lib/decimal";
import { formatPct, formatQuantity, formatUsd } from "@/lib/format";
import { DriftBadge, type DriftStatus } from "./DriftBadge";
import { PriceAge } from "./PriceAge";

export interface HoldingRow {
  key: string;
  symbol: string;
  location?: string | null;
  quantity?: string | null;
  priceUsd?: string | null;
  valueUsd?: string | null;
  currentPct?: string | null;
  targetPct?: string | null;
  status?: DriftStatus | string;
  driftPoints?: string | null;
  note?: string;
  priceSource?: string | null;
  priceAt?: string | null;
  /** The API's staleness flag; without it, a price older than two hours counts as stale. */
  priceStale?: boolean;
}

interface Columns {
  location: boolean;
  price: boolean;
  share: boolean;
  target: boolean;
}

function columnsOf(rows: HoldingRow[]): Columns {
  return {
    location: rows.some((r) => r.location),
    price: rows.some((r) => r.priceUsd !== undefined),
    share: rows.some((r) => r.currentPct !== undefined),
    target: rows.some((r) => r.status !== undefined || r.targetPct !== undefined),
  };
}

/** The CSV the export button downloads: raw decimal strings, one row per holding. */
export function holdingsCsv(rows: HoldingRow[]): string {
  const c = columnsOf(rows);
  const header = ["symbol", ...(c.location ? ["location"] : []), "quantity", ...(c.price ? ["price_usd"] : []), "value_usd", ...(c.share ? ["current_pct"] : []), ...(c.target ? ["target_pct", "drift_pct_points", "status"] : [])];
  const body = rows.map((r) => [
    r.symbol,
    ...(c.location ? [r.location ?? ""] : []),
    r.quantity ?? "",
    ...(c.price ? [r.priceUsd ?? ""] : []),
    r.valueUsd ?? "",
    ...(c.share ? [r.currentPct ?? ""] : []),
    ...(c.target ? [r.targetPct ?? "", r.driftPoints ?? "", r.status ?? ""] : []),
  ]);
  return toCsv(header, body);
}

export function sortByValue(rows: HoldingRow[]): HoldingRow[] {
  return [...rows].sort((a, b) => compareDecimals(b.valueUsd, a.valueUsd) || a.symbol.localeCompare(b.symbol));
}

export function HoldingsTable({ rows, csvFilename, caption, now }: { rows: HoldingRow[]; csvFilename?: string; caption?: string; now?: number }) {
  const c = columnsOf(rows);
  const sorted = sortByValue(rows);
  return (
    <div>
      {csvFilename && (
        <div className="mb-2 flex justify-end">
          <Button variant="secondary" onClick={() => downloadCsv(csvFilename, holdingsCsv(sorted))} disabled={rows.length === 0}>
            Export CSV
          </Button>
        </div>
      )}
      <TableWrap>
        <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800" data-testid="holdings-table">
          {caption && <caption className="sr-only">{caption}</caption>}
          <thead>
            <tr>
              <th scope="col" className={th}>Asset</th>
              {c.location && <th scope="col" className={th}>Where</th>}
              <th scope="col" className={`${th} text-right`}>Quantity</th>
              {c.price && <th scope="col" className={`${th} text-right`}>Price</th>}
              <th scope="col" className={`${th} text-right`}>Value</th>
              {c.share && <th scope="col" className={`${th} text-right`}>Share</th>}
              {c.target && <th scope="col" className={`${th} text-right`}>Target</th>}
              {c.target && <th scope="col" className={th}>Drift</th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {sorted.map((r) => (
              <tr key={r.key} data-testid="holding-row" data-symbol={r.symbol}>
                <td className={`${td} font-medium`}>
                  {r.symbol}
                  {r.note && <span className="ml-2 text-xs text-slate-500">{r.note}</span>}
                </td>
                {c.location && <td className={`${td} text-slate-500`}>{r.location ?? ""}</td>}
                <td className={`${td} tabular text-right`} title={r.quantity ?? undefined}>{formatQuantity(r.quantity)}</td>
                {c.price && <td className={`${td} tabular text-right`}>{formatUsd(r.priceUsd)}</td>}
                <td className={`${td} tabular text-right`}>
                  {r.valueUsd ? formatUsd(r.valueUsd) : <span className="text-slate-400">unpriced</span>}
                  {(r.priceAt || r.priceSource) && (
                    <div className="mt-0.5 flex justify-end">
                      <PriceAge source={r.priceSource} at={r.priceAt} stale={r.priceStale} now={now} />
                    </div>
                  )}
                </td>
                {c.share && <td className={`${td} tabular text-right`}>{formatPct(r.currentPct)}</td>}
                {c.target && <td className={`${td} tabular text-right`}>{r.targetPct !== null && r.targetPct !== undefined ? formatPct(r.targetPct) : "—"}</td>}
                {c.target && <td className={td}>{r.status && <DriftBadge status={r.status} points={r.status === "unallocated" ? null : r.driftPoints} />}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}
