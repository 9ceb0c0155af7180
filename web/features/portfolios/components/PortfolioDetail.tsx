"use client";

import Link from "next/link";
import { AllocationBar } from "@/components/portfolio/AllocationBar";
import { AllocationPie } from "@/components/portfolio/charts";
import { HoldingsTable, type HoldingRow } from "@/components/portfolio/HoldingsTable";
import { EmptyState, QueryState } from "@/components/states";
import { Button, Card } from "@/components/ui";
import type { Allocation, Portfolio } from "@/lib/api/types";
import { BlockingWarning } from "@/components/portfolio/BlockingWarning";
import { DataAge } from "@/components/portfolio/PriceAge";
import { isPositive } from "@/lib/decimal";
import { formatPct, formatQuantity, formatUsd } from "@/lib/format";
import { useAllocation } from "@/lib/api/get-allocation";
import { PortfolioFrame } from "@/components/portfolio/PortfolioHeader";

export function allocationRows(a: Allocation): HoldingRow[] {
  return a.lines.map((l) => ({
    key: l.asset_id ?? `sym:${l.symbol}`,
    symbol: l.symbol,
    quantity: l.quantity,
    // A target without a price is not worth $0: it is unknown (and blocks recommendations).
    valueUsd: l.is_cash || l.price_usd ? l.value_usd : null,
    currentPct: l.current_pct,
    targetPct: l.target_pct ?? null,
    status: l.status,
    driftPoints: l.drift_pct_points ?? null,
    priceSource: l.price_source ?? null,
    priceAt: l.price_at ?? null,
    priceStale: l.price_stale ?? false,
  }));
}

/** Whether none of the linked accounts has been read yet: the value is unknown, not $0. */
export function nothingRead(a: Pick<Allocation, "accounts_not_read">, linked: number): boolean {
  return linked > 0 && (a.accounts_not_read ?? 0) >= linked;
}

function AllocationView({ portfolio }: { portfolio: Portfolio }) {
  const allocation = useAllocation(portfolio.id);
  if (portfolio.account_ids.length === 0) {
    return (
      <EmptyState
        title="No accounts linked"
        action={
          <Link href={`/portfolios/${portfolio.id}/settings`}>
            <Button>Link accounts</Button>
          </Link>
        }
      >
        Link exchange accounts or wallets to this portfolio to see its allocation.
      </EmptyState>
    );
  }
  return (
    <QueryState
      query={allocation}
      loadingLabel="Loading allocation…"
      isEmpty={(a) => a.lines.length === 0 && a.unpriced.length === 0}
      empty={
        <EmptyState title="Nothing held yet" action={<Link href="/accounts"><Button variant="secondary">Go to accounts</Button></Link>}>
          The linked accounts have no holdings. Sync them to load their balances.
        </EmptyState>
      }
    >
      {(a) => {
        const notRead = a.accounts_not_read ?? 0;
        if (nothingRead(a, portfolio.account_ids.length)) {
          return (
            <EmptyState title="Not read yet" action={<Link href="/accounts"><Button variant="secondary">Go to accounts</Button></Link>}>
              None of the linked accounts has been read yet, so this portfolio&apos;s value is unknown. Sync them to load their balances.
            </EmptyState>
          );
        }
        const outOfBand = a.lines.filter((l) => l.status === "over" || l.status === "under").length;
        return (
          <div className="space-y-6">
            <BlockingWarning items={a.blocking ?? []} context="allocation" />
            <div className="grid gap-4 sm:grid-cols-3">
              <Card>
                <p className="text-sm text-slate-500">Total value</p>
                <p className="tabular mt-1 text-2xl font-bold" data-testid="portfolio-total">
                  {formatUsd(a.total_value_usd)}
                </p>
                {notRead > 0 && (
                  <p className="mt-1 text-xs text-amber-700 dark:text-amber-400" data-testid="portfolio-not-read">
                    {notRead} linked account{notRead === 1 ? "" : "s"} not read yet, left out
                  </p>
                )}
                <DataAge oldestPriceAt={a.oldest_price_at} oldestSyncAt={a.oldest_sync_at} oldestSyncLocation={a.oldest_sync_location} />
              </Card>
              <Card>
                <p className="text-sm text-slate-500">Out of band</p>
                <p className="mt-1 text-2xl font-bold" data-testid="out-of-band">
                  {outOfBand} <span className="text-base font-normal text-slate-500">of {a.lines.length}</span>
                </p>
              </Card>
              <Card>
                <p className="text-sm text-slate-500">Without target</p>
                <p className="tabular mt-1 text-2xl font-bold">{formatPct(a.unallocated_current_pct ?? "0")}</p>
                {isPositive(a.unallocated_pct) && <p className="text-xs text-slate-500">{formatPct(a.unallocated_pct)} of the plan has no target</p>}
              </Card>
            </div>
            <div className="grid gap-6 lg:grid-cols-2">
              <Card title="Allocation">
                <AllocationPie slices={a.lines.map((l) => ({ key: l.asset_id ?? l.symbol, symbol: l.symbol, valueUsd: l.value_usd, pct: l.current_pct, targetPct: l.target_pct ?? null }))} />
              </Card>
              <Card title="Current vs target">
                <AllocationBar
                  lines={a.lines.map((l) => ({
                    key: l.asset_id ?? l.symbol,
                    symbol: l.symbol,
                    currentPct: l.current_pct,
                    targetPct: l.target_pct,
                    bandLowPct: l.band_low_pct,
                    bandHighPct: l.band_high_pct,
                  }))}
                />
              </Card>
            </div>
            <Card title="Holdings">
              <HoldingsTable rows={allocationRows(a)} csvFilename={`portfolio-${portfolio.name.replace(/[^\w.-]+/g, "_")}-holdings.csv`} caption="Portfolio holdings" />
            </Card>
            {a.unpriced.length > 0 && (
              <Card title="Without a price">
                <p className="mb-2 text-sm text-slate-500">These holdings have no USD price yet and are left out of the total.</p>
                <ul className="text-sm">
                  {a.unpriced.map((u) => (
                    <li key={u.asset_id ?? u.symbol}>
                      {u.symbol}: {formatQuantity(u.quantity)}
                    </li>
                  ))}
                </ul>
              </Card>
            )}
          </div>
        );
      }}
    </QueryState>
  );
}

export function PortfolioDetail({ id }: { id: string }) {
  return <PortfolioFrame id={id}>{(p) => <AllocationView portfolio={p} />}</PortfolioFrame>;
}
