"use client";

import Link from "next/link";
import { AllocationBar } from "@/components/portfolio/AllocationBar";
import { DriftBadge } from "@/components/portfolio/DriftBadge";
import { EmptyState, ErrorAlert, Loading } from "@/components/states";
import { Button, Card, PageHeader } from "@/components/ui";
import { useAccounts } from "@/features/accounts/api/get-accounts";
import { useAllocation } from "@/features/portfolios/api/get-allocation";
import { usePortfolios } from "@/features/portfolios/api/get-portfolios";
import { useTimeline } from "@/features/snapshots/api/get-timeline";
import { ValueHistoryChart } from "@/components/portfolio/charts";
import type { Account, Portfolio } from "@/lib/api/types";
import { DataAge, PriceAge } from "@/components/portfolio/PriceAge";
import { BlockingWarning } from "@/components/portfolio/BlockingWarning";
import { sumDecimals } from "@/lib/decimal";
import { formatPct, formatUsd, timeAgo } from "@/lib/format";

function defaultPortfolio(list: Portfolio[] | undefined): Portfolio | undefined {
  return list?.find((p) => p.is_default) ?? list?.[0];
}

function lastSync(accounts: Account[]): string | null {
  const times = accounts.map((a) => a.last_synced_at).filter((t): t is string => Boolean(t));
  return times.length ? times.sort().at(-1)! : null;
}

const earliest = (times: (string | null | undefined)[]): string | null =>
  times.filter((t): t is string => Boolean(t)).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;

/** The data behind the accounts' sum: the oldest price of a valued holding, the oldest last good sync. */
export function accountsDataAge(accounts: Account[]): { oldestPriceAt: string | null; oldestSyncAt: string | null; oldestSyncLocation: string | null } {
  const active = accounts.filter((a) => a.is_active);
  const oldestSyncAt = active.some((a) => !a.last_synced_at) ? null : earliest(active.map((a) => a.last_synced_at));
  const where = active.flatMap((a) => a.locations ?? []).find((l) => l.synced_at && oldestSyncAt && Date.parse(l.synced_at) === Date.parse(oldestSyncAt));
  return {
    oldestPriceAt: earliest(active.flatMap((a) => a.holdings.filter((h) => h.value_usd).map((h) => h.price_at))),
    oldestSyncAt,
    oldestSyncLocation: where?.location ?? null,
  };
}

export function Dashboard() {
  const accounts = useAccounts();
  const portfolios = usePortfolios();
  const portfolio = defaultPortfolio(portfolios.data);
  const hasLinked = Boolean(portfolio && portfolio.account_ids.length > 0);
  const allocation = useAllocation(hasLinked ? portfolio!.id : undefined);
  const timeline = useTimeline(portfolio?.id);

  if (accounts.isPending || portfolios.isPending) return <Loading label="Loading your dashboard…" />;
  if (accounts.error) return <ErrorAlert error={accounts.error} onRetry={() => accounts.refetch()} />;
  if (portfolios.error) return <ErrorAlert error={portfolios.error} onRetry={() => portfolios.refetch()} />;

  const accountList = accounts.data ?? [];
  const accountsTotal = sumDecimals(accountList.map((a) => a.total_value_usd));
  const usePortfolioTotal = hasLinked && allocation.data;
  const total = usePortfolioTotal ? allocation.data!.total_value_usd : accountsTotal;
  const age = usePortfolioTotal
    ? { oldestPriceAt: allocation.data!.oldest_price_at ?? null, oldestSyncAt: allocation.data!.oldest_sync_at ?? null, oldestSyncLocation: allocation.data!.oldest_sync_location ?? null }
    : accountsDataAge(accountList);
  const waitingForTotal = hasLinked && allocation.isPending;
  const failing = accountList.filter((a) => a.last_sync_status === "error");
  const synced = lastSync(accountList);

  return (
    <>
      <PageHeader title="Dashboard" subtitle={portfolio ? `Default portfolio: ${portfolio.name}` : "All accounts"} />
      {accountList.length === 0 ? (
        <EmptyState title="Welcome! Add your first account" action={<Link href="/accounts"><Button>Add an account</Button></Link>}>
          Connect an OKX account with a read-only key or add an EVM wallet address to see your total value here.
        </EmptyState>
      ) : null}
      <div className="mt-6 grid gap-4 sm:grid-cols-3">
        <Card className="sm:col-span-1">
          <p className="text-sm text-slate-500">Total value</p>
          {waitingForTotal ? (
            <p className="mt-1 h-8 w-32 animate-pulse rounded bg-slate-200 dark:bg-slate-700" aria-label="Loading total value" />
          ) : (
            <p className="tabular mt-1 text-3xl font-bold" data-testid="total-value">
              {formatUsd(total)}
            </p>
          )}
          <p className="mt-1 text-xs text-slate-500">{usePortfolioTotal ? `${portfolio!.name}, priced holdings` : `${accountList.length} account${accountList.length === 1 ? "" : "s"}`}</p>
          {accountList.length > 0 && !waitingForTotal && <DataAge oldestPriceAt={age.oldestPriceAt} oldestSyncAt={age.oldestSyncAt} oldestSyncLocation={age.oldestSyncLocation} />}
        </Card>
        <Card>
          <p className="text-sm text-slate-500">Accounts</p>
          <p className="mt-1 text-3xl font-bold">{accountList.length}</p>
          <p className="mt-1 text-xs text-slate-500">Last sync {timeAgo(synced)}</p>
        </Card>
        <Card>
          <p className="text-sm text-slate-500">Sync problems</p>
          <p className={`mt-1 text-3xl font-bold ${failing.length ? "text-rose-600" : ""}`}>{failing.length}</p>
          <p className="mt-1 truncate text-xs text-slate-500">{failing.length ? failing.map((a) => a.name).join(", ") : "All accounts fine"}</p>
        </Card>
      </div>

      {usePortfolioTotal && (allocation.data!.blocking ?? []).length > 0 && (
        <div className="mt-6">
          <BlockingWarning items={allocation.data!.blocking} context="allocation" />
        </div>
      )}
      <div className="mt-6 grid gap-6 lg:grid-cols-5">
        <Card title="Value history" className="lg:col-span-3">
          {!portfolio ? (
            <EmptyState title="No portfolio yet" action={<Link href="/portfolios"><Button variant="secondary">Create a portfolio</Button></Link>}>
              The chart follows your default portfolio&apos;s daily snapshots.
            </EmptyState>
          ) : timeline.isPending ? (
            <Loading label="Loading history…" />
          ) : timeline.error ? (
            <ErrorAlert error={timeline.error} onRetry={() => timeline.refetch()} />
          ) : (
            <ValueHistoryChart points={timeline.data ?? []} />
          )}
        </Card>
        <Card
          title="Allocation"
          className="lg:col-span-2"
          actions={portfolio && <Link href={`/portfolios/${portfolio.id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">Details →</Link>}
        >
          {!portfolio ? (
            <p className="text-sm text-slate-500">Create a portfolio to compare holdings with targets.</p>
          ) : !hasLinked ? (
            <p className="text-sm text-slate-500">
              No accounts linked to {portfolio.name}. <Link href={`/portfolios/${portfolio.id}/settings`} className="text-indigo-600 hover:underline">Link some</Link>.
            </p>
          ) : allocation.isPending ? (
            <Loading />
          ) : allocation.error ? (
            <ErrorAlert error={allocation.error} onRetry={() => allocation.refetch()} />
          ) : allocation.data!.lines.length === 0 ? (
            <p className="text-sm text-slate-500">Nothing priced yet: sync your accounts.</p>
          ) : (
            <div className="space-y-4">
              <AllocationBar
                lines={allocation.data!.lines.slice(0, 6).map((l) => ({
                  key: l.asset_id ?? l.symbol,
                  symbol: l.symbol,
                  currentPct: l.current_pct,
                  targetPct: l.target_pct,
                  bandLowPct: l.band_low_pct,
                  bandHighPct: l.band_high_pct,
                }))}
              />
              <ul className="space-y-1 text-sm">
                {allocation.data!.lines.slice(0, 6).map((l) => (
                  <li key={l.asset_id ?? l.symbol} className="flex items-center justify-between gap-2">
                    <span className="min-w-0">
                      {l.symbol} <span className="text-slate-500">{formatPct(l.current_pct)}</span>{" "}
                      <PriceAge source={l.price_source} at={l.price_at} stale={l.price_stale ?? false} />
                    </span>
                    <DriftBadge status={l.status} points={l.status === "unallocated" ? null : l.drift_pct_points} />
                  </li>
                ))}
              </ul>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
