"use client";

import { useMemo, useState } from "react";
import { Button, Input, TableWrap, td, th } from "@/components/ui";
import { downloadCsv, toCsv } from "@/lib/csv";
import { compareDecimals } from "@/lib/decimal";
import { formatPct, formatQuantity, formatUsd } from "@/lib/format";
import { DriftBadge, type DriftStatus } from "./DriftBadge";
import { PriceAge } from "./PriceAge";

export interface HoldingRow {
  key: string;
  symbol: string;
  location?: string | null;
  /** The location for people ("Base", "Trading"); the CSV keeps `location`. */
  locationLabel?: string;
  quantity?: string | null;
  /** The asset's decimals (quantities are shown to at most this precision). */
  decimals?: number | null;
  logoUrl?: string | null;
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

export type SortKey = "symbol" | "location" | "quantity" | "price" | "value" | "share" | "target" | "drift";

const pick: Record<SortKey, (r: HoldingRow) => string | null | undefined> = {
  symbol: (r) => r.symbol,
  location: (r) => r.locationLabel ?? r.location,
  quantity: (r) => r.quantity,
  price: (r) => r.priceUsd,
  value: (r) => r.valueUsd,
  share: (r) => r.currentPct,
  target: (r) => r.targetPct,
  drift: (r) => r.driftPoints,
};

/** Sorted exactly (decimals compared as decimals, text as text); ties by value, then symbol. */
export function sortRows(rows: HoldingRow[], key: SortKey, dir: "asc" | "desc"): HoldingRow[] {
  const text = key === "symbol" || key === "location";
  const sign = dir === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = pick[key](a);
    const y = pick[key](b);
    const c = text ? (x ?? "").localeCompare(y ?? "") : compareDecimals(x, y);
    return sign * c || compareDecimals(b.valueUsd, a.valueUsd) || a.symbol.localeCompare(b.symbol);
  });
}

export function filterRows(rows: HoldingRow[], q: string): HoldingRow[] {
  const s = q.trim().toLowerCase();
  if (!s) return rows;
  return rows.filter((r) => r.symbol.toLowerCase().includes(s) || (r.locationLabel ?? r.location ?? "").toLowerCase().includes(s) || (r.note ?? "").toLowerCase().includes(s));
}

/** The catalog's logo, or the symbol's first letter when there is none or it cannot load (offline). */
export function AssetIcon({ symbol, url }: { symbol: string; url?: string | null }) {
  const [failed, setFailed] = useState(false);
  if (url && !failed) {
    return <img src={url} alt="" width={20} height={20} loading="lazy" className="h-5 w-5 shrink-0 rounded-full" onError={() => setFailed(true)} />;
  }
  return (
    <span aria-hidden className="inline-flex h-5 w-5 shrink-0 items-center justify-center rounded-full bg-slate-200 text-[10px] font-bold text-slate-700 dark:bg-slate-700 dark:text-slate-200">
      {symbol.replace(/[^A-Za-z0-9]/g, "").charAt(0).toUpperCase() || "?"}
    </span>
  );
}

/** Columns a phone leaves out (said in the asset's cell instead), so the value stays on screen. */
const WIDE = "hidden sm:table-cell";

function SortHeader({ k, label, sort, onSort, right, wide }: { k: SortKey; label: string; sort: { key: SortKey; dir: "asc" | "desc" }; onSort: (k: SortKey) => void; right?: boolean; wide?: boolean }) {
  const active = sort.key === k;
  return (
    <th scope="col" className={`${th} ${right ? "text-right" : ""} ${wide ? WIDE : ""}`} aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" onClick={() => onSort(k)} className="inline-flex items-center gap-1 uppercase hover:text-slate-800 dark:hover:text-slate-200">
        {label}
        <span aria-hidden className={active ? "" : "opacity-30"}>{active && sort.dir === "asc" ? "▲" : "▼"}</span>
      </button>
    </th>
  );
}

export function HoldingsTable({ rows, csvFilename, caption, now }: { rows: HoldingRow[]; csvFilename?: string; caption?: string; now?: number }) {
  const c = columnsOf(rows);
  const [sort, setSort] = useState<{ key: SortKey; dir: "asc" | "desc" }>({ key: "value", dir: "desc" });
  const [q, setQ] = useState("");
  const onSort = (key: SortKey) => setSort((s) => (s.key === key ? { key, dir: s.dir === "asc" ? "desc" : "asc" } : { key, dir: key === "symbol" || key === "location" ? "asc" : "desc" }));
  const sorted = useMemo(() => sortRows(filterRows(rows, q), sort.key, sort.dir), [rows, q, sort]);
  return (
    <div>
      {(csvFilename || rows.length > 3) && (
        <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
          {rows.length > 3 ? (
            <>
              <label className="sr-only" htmlFor="holdings-filter">Filter holdings</label>
              <Input id="holdings-filter" placeholder="Filter by asset or place" value={q} onChange={(e) => setQ(e.target.value)} className="min-w-0 flex-1 sm:max-w-xs" />
            </>
          ) : (
            <span />
          )}
          {csvFilename && (
            <Button variant="secondary" onClick={() => downloadCsv(csvFilename, holdingsCsv(sortByValue(rows)))} disabled={rows.length === 0}>
              Export CSV
            </Button>
          )}
        </div>
      )}
      <TableWrap>
        <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800" data-testid="holdings-table">
          {caption && <caption className="sr-only">{caption}</caption>}
          <thead>
            <tr>
              <SortHeader k="symbol" label="Asset" sort={sort} onSort={onSort} />
              {c.location && <SortHeader k="location" label="Where" sort={sort} onSort={onSort} wide />}
              <SortHeader k="quantity" label="Quantity" sort={sort} onSort={onSort} right />
              {c.price && <SortHeader k="price" label="Price" sort={sort} onSort={onSort} right wide />}
              <SortHeader k="value" label="Value" sort={sort} onSort={onSort} right />
              {c.share && <SortHeader k="share" label="Share" sort={sort} onSort={onSort} right wide />}
              {c.target && <SortHeader k="target" label="Target" sort={sort} onSort={onSort} right wide />}
              {c.target && <SortHeader k="drift" label="Drift" sort={sort} onSort={onSort} />}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {sorted.length === 0 && (
              <tr>
                <td className={`${td} text-slate-500`} colSpan={8}>No holding matches the filter.</td>
              </tr>
            )}
            {sorted.map((r) => (
              <tr key={r.key} data-testid="holding-row" data-symbol={r.symbol}>
                <td className={`${td} font-medium`}>
                  <span className="flex items-center gap-2">
                    <AssetIcon symbol={r.symbol} url={r.logoUrl} />
                    <span>
                      {r.symbol}
                      {r.note && <span className="ml-2 text-xs font-normal text-slate-500">{r.note}</span>}
                      {/* On a phone, where it is and its share go under the asset (their columns are left out). */}
                      {c.location && (r.locationLabel ?? r.location) && <span className="block text-xs font-normal text-slate-500 sm:hidden">{r.locationLabel ?? r.location}</span>}
                      {c.share && <span className="block text-xs font-normal text-slate-500 sm:hidden">{formatPct(r.currentPct)} share</span>}
                    </span>
                  </span>
                </td>
                {c.location && <td className={`${td} ${WIDE} text-slate-500`}>{r.locationLabel ?? r.location ?? ""}</td>}
                <td className={`${td} tabular text-right`} title={r.quantity ?? undefined}>{formatQuantity(r.quantity, r.decimals)}</td>
                {c.price && <td className={`${td} ${WIDE} tabular text-right`}>{formatUsd(r.priceUsd)}</td>}
                <td className={`${td} tabular text-right`} data-testid="holding-value">
                  {r.valueUsd ? formatUsd(r.valueUsd) : <span className="text-slate-400">unpriced</span>}
                  {(r.priceAt || r.priceSource) && (
                    <div className="mt-0.5 flex justify-end">
                      <PriceAge source={r.priceSource} at={r.priceAt} stale={r.priceStale} now={now} />
                    </div>
                  )}
                </td>
                {c.share && <td className={`${td} ${WIDE} tabular text-right`}>{formatPct(r.currentPct)}</td>}
                {c.target && <td className={`${td} ${WIDE} tabular text-right`}>{r.targetPct !== null && r.targetPct !== undefined ? formatPct(r.targetPct) : "—"}</td>}
                {c.target && <td className={td}>{r.status && <DriftBadge status={r.status} points={r.status === "unallocated" ? null : r.driftPoints} />}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}
