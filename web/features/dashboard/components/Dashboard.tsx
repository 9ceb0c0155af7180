"use client";

import { ACCOUNT_KINDS_TEXT } from "@/lib/account-kinds";
import Link from "next/link";
import { AllocationBar } from "@/components/portfolio/AllocationBar";
import { DriftBadge } from "@/components/portfolio/DriftBadge";
import { EmptyState, ErrorAlert, Loading } from "@/components/states";
import { Button, Card, PageHeader, cx } from "@/components/ui";
import { useAccounts } from "@/lib/api/get-accounts";
import { syncProblems } from "@/lib/data-age";
import { accountProblems } from "@/lib/sync-problems";
import { SyncProblemList } from "@/components/SyncProblemList";
import { useLocationName } from "@/lib/api/get-chains";
import { useAllocation } from "@/lib/api/get-allocation";
import { usePortfolios } from "@/lib/api/get-portfolios";
import { useTimeline } from "@/lib/api/get-timeline";
import { ValueHistoryChart } from "@/components/portfolio/charts";
import type { Account, Allocation, NetWorth, Portfolio } from "@/lib/api/types";
import { DataAge, PriceAge } from "@/components/portfolio/PriceAge";
import { BlockingWarning } from "@/components/portfolio/BlockingWarning";
import { clampDecimal, isNegative, isPositive, pctOf, subtractDecimals } from "@/lib/decimal";
import { formatKnownUsd, formatPct, formatUsd, NOT_READ_YET, timeAgo } from "@/lib/format";
import { useNetWorth } from "../api/get-net-worth";
import { byChainOrExchange, withOther, type BreakdownLine } from "../breakdown";

function defaultPortfolio(list: Portfolio[] | undefined): Portfolio | undefined {
  return list?.find((p) => p.is_default) ?? list?.[0];
}

/**
 * The default portfolio's value for its card: the net value (assets − liabilities), as its
 * snapshots record it; "not read yet" while none of its linked accounts has been read.
 */
export function portfolioCardValue(
  portfolio: Pick<Portfolio, "account_ids">,
  accounts: Pick<Account, "id" | "total_value_usd">[],
  allocation: Pick<Allocation, "total_value_usd" | "net_value_usd"> | undefined,
): { text: string; assets?: string; owed?: string } {
  if (portfolio.account_ids.length === 0) return { text: formatUsd("0") };
  const linked = accounts.filter((a) => portfolio.account_ids.includes(a.id));
  if (linked.length > 0 && linked.every((a) => a.total_value_usd == null)) return { text: NOT_READ_YET };
  if (!allocation) return { text: "—" };
  const net = allocation.net_value_usd ?? allocation.total_value_usd;
  const owed = subtractDecimals(allocation.total_value_usd, net);
  return isPositive(owed) ? { text: formatUsd(net), assets: formatUsd(allocation.total_value_usd), owed: formatUsd(owed) } : { text: formatUsd(net) };
}

function lastSync(accounts: Account[]): string | null {
  const times = accounts.map((a) => a.last_synced_at).filter((t): t is string => Boolean(t));
  return times.length ? times.sort().at(-1)! : null;
}

/** "+$1,234.56 (+2.10 %) in 24 h", or why it is not known. */
/** The net worth as read: a sum, "not read yet" before any account is read, or "unknown" with why when holdings are read and not one has a price (never $0). */
export function netWorthText(n: NetWorth): { text: string; why: string | null } {
  if (n.net_worth_usd == null && n.accounts_not_read === 0 && n.unpriced.length > 0) {
    const symbols = n.unpriced.map((u) => u.symbol).join(", ");
    return { text: "unknown", why: `No price yet for ${symbols}: the worth is unknown until prices arrive, not $0.` };
  }
  return { text: formatKnownUsd(n.net_worth_usd), why: null };
}

export function Change24h({ n }: { n: NetWorth }) {
  if (n.change_24h_usd === null || n.change_24h_usd === undefined) {
    return (
      <p className="mt-1 text-xs text-slate-500" data-testid="change-24h" data-known="false">
        24 h change: not known yet (needs prices from a day ago; history builds up daily)
      </p>
    );
  }
  const up = isPositive(n.change_24h_usd);
  const down = isNegative(n.change_24h_usd);
  const sign = up ? "+" : "";
  const pct = n.change_24h_pct ? ` (${sign}${formatPct(n.change_24h_pct, 2)})` : "";
  return (
    <p className="mt-1 text-sm" data-testid="change-24h" data-known="true">
      <span className={cx("tabular font-semibold", up && "text-emerald-700 dark:text-emerald-400", down && "text-rose-700 dark:text-rose-400")} data-testid="change-24h-value">
        {up ? "▲ " : down ? "▼ " : ""}
        {sign}
        {formatUsd(n.change_24h_usd)}
        {pct}
      </span>{" "}
      <span className="text-xs text-slate-500">in 24 h{n.change_complete ? "" : ", assets without a price from a day ago left out"}</span>
    </p>
  );
}

function Breakdown({ title, lines, total, testId }: { title: string; lines: BreakdownLine[]; total: string; testId: string }) {
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold text-slate-700 dark:text-slate-300">{title}</h3>
      {lines.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing valued yet.</p>
      ) : (
        <ul className="space-y-1.5 text-sm" data-testid={testId}>
          {lines.map((l) => {
            const pct = pctOf(l.valueUsd, total);
            return (
              <li key={l.key} data-testid="breakdown-line" data-label={l.label}>
                <div className="flex items-baseline justify-between gap-2">
                  <span className="min-w-0 truncate">{l.label}</span>
                  <span className="tabular shrink-0">
                    {formatUsd(l.valueUsd)} <span className="text-xs text-slate-500">{pct ? formatPct(pct) : ""}</span>
                  </span>
                </div>
                {pct && isPositive(l.valueUsd) && (
                  <div className="mt-0.5 h-1.5 rounded bg-slate-100 dark:bg-slate-800" aria-hidden>
                    <div className="h-1.5 rounded bg-indigo-500" style={{ width: `${clampDecimal(pct, "0", "100")}%` }} />
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function SyncProblemsCard({ accounts }: { accounts: Account[] }) {
  const name = useLocationName();
  const problems = syncProblems(accounts);
  const anyFailed = problems.some((a) => a.last_sync_status === "error");
  // One line per account and cause, and the count is the lines' (never three for one lost network).
  const lines = problems.flatMap((a) => accountProblems(a, name));
  return (
    <Card>
      <p className="text-sm text-slate-500">Sync problems</p>
      <p className={cx("mt-1 text-3xl font-bold", lines.length > 0 && (anyFailed ? "text-rose-600" : "text-amber-600"))} data-testid="sync-problems">
        {lines.length}
      </p>
      {lines.length ? (
        <>
          <SyncProblemList
            lines={lines.slice(0, 4)}
            withAccount
            testId="sync-problem-list"
            className={cx("mt-1 space-y-0.5 text-xs", anyFailed ? "text-rose-700 dark:text-rose-400" : "text-amber-700 dark:text-amber-400")}
          />
          {lines.length > 4 && (
            <Link href="/accounts" className="mt-1 block text-xs underline">
              and {lines.length - 4} more
            </Link>
          )}
        </>
      ) : (
        <p className="mt-1 text-xs text-slate-500">{accounts.length ? "Every location read" : "No accounts yet"}</p>
      )}
    </Card>
  );
}

export function Dashboard() {
  const accounts = useAccounts();
  const portfolios = usePortfolios();
  const netWorth = useNetWorth();
  const name = useLocationName();
  const portfolio = defaultPortfolio(portfolios.data);
  const hasLinked = Boolean(portfolio && portfolio.account_ids.length > 0);
  const allocation = useAllocation(hasLinked ? portfolio!.id : undefined);
  const timeline = useTimeline(portfolio?.id);

  if (accounts.isPending || portfolios.isPending) return <Loading label="Loading your dashboard…" />;
  if (accounts.error) return <ErrorAlert error={accounts.error} onRetry={() => accounts.refetch()} />;
  if (portfolios.error) return <ErrorAlert error={portfolios.error} onRetry={() => portfolios.refetch()} />;

  const accountList = accounts.data ?? [];
  const n = netWorth.data;
  const synced = lastSync(accountList);
  const places = n ? withOther(byChainOrExchange(n, accountList, name), 6) : [];
  const cardValue = portfolio ? portfolioCardValue(portfolio, accountList, allocation.data) : { text: "—" };
  const assets = n ? withOther(n.by_asset.map((a) => ({ key: a.asset_id, label: a.symbol, valueUsd: a.value_usd })), 6) : [];

  return (
    <>
      <PageHeader title="Dashboard" subtitle="Everything you hold, across all accounts" />
      {accountList.length === 0 ? (
        <EmptyState title="Welcome! Add your first account" action={<Link href="/accounts"><Button>Add an account</Button></Link>}>
          <span data-testid="welcome-kinds">Add {ACCOUNT_KINDS_TEXT} to see your net worth here.</span>
        </EmptyState>
      ) : null}
      <div className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Card className="sm:col-span-2">
          <p className="text-sm text-slate-500">Net worth</p>
          {netWorth.isPending ? (
            <p className="mt-1 h-8 w-40 animate-pulse rounded bg-slate-200 dark:bg-slate-700" aria-label="Loading net worth" />
          ) : netWorth.error || !n ? (
            <ErrorAlert error={netWorth.error} onRetry={() => netWorth.refetch()} />
          ) : (
            <>
              <p className="tabular mt-1 text-3xl font-bold" data-testid="total-value">
                {netWorthText(n).text}
              </p>
              {netWorthText(n).why && (
                <p className="mt-1 text-sm text-amber-800 dark:text-amber-300" data-testid="net-worth-unpriced">
                  {netWorthText(n).why}
                </p>
              )}
              <Change24h n={n} />
              <p className="mt-1 text-xs text-slate-500">
                {accountList.length} account{accountList.length === 1 ? "" : "s"}
                {isPositive(n.liabilities_usd) && (
                  <span data-testid="liabilities">
                    {" "}
                    · assets {formatUsd(n.assets_usd)} − owed {formatUsd(n.liabilities_usd)}
                  </span>
                )}
                {n.unpriced.length > 0 && ` · ${n.unpriced.length} unpriced holding${n.unpriced.length === 1 ? "" : "s"} left out`}
                {n.accounts_not_read > 0 && (
                  <span data-testid="accounts-not-read">{` · ${n.accounts_not_read} account${n.accounts_not_read === 1 ? "" : "s"} not read yet, left out`}</span>
                )}
              </p>
              {accountList.length > 0 && <DataAge oldestPriceAt={n.oldest_price_at ?? null} oldestSyncAt={n.oldest_sync_at ?? null} />}
            </>
          )}
        </Card>
        <Card>
          <p className="text-sm text-slate-500">Default portfolio</p>
          {!portfolio ? (
            <p className="mt-1 text-sm">
              <Link href="/portfolios" className="text-indigo-600 hover:underline dark:text-indigo-400">Create a portfolio</Link> to set targets.
            </p>
          ) : (
            <>
              {hasLinked && allocation.isPending ? (
                <p className="mt-1 h-8 w-32 animate-pulse rounded bg-slate-200 dark:bg-slate-700" aria-label="Loading portfolio value" />
              ) : (
                <>
                  <p className="tabular mt-1 text-2xl font-bold" data-testid="portfolio-value">
                    {cardValue.text}
                  </p>
                  {cardValue.owed && (
                    <p className="tabular text-xs text-slate-500" data-testid="portfolio-liabilities">
                      assets {cardValue.assets} − owed {cardValue.owed}
                    </p>
                  )}
                </>
              )}
              <p className="mt-1 truncate text-xs text-slate-500">
                <Link href={`/portfolios/${portfolio.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">{portfolio.name}</Link>
                {` · ${portfolio.account_ids.length} linked account${portfolio.account_ids.length === 1 ? "" : "s"}`}
              </p>
            </>
          )}
          <p className="mt-2 text-xs text-slate-500">Last sync {timeAgo(synced)}</p>
        </Card>
        <SyncProblemsCard accounts={accountList} />
      </div>

      {n && accountList.length > 0 && (
        <Card title="Where it is" className="mt-6">
          <div className="grid gap-6 md:grid-cols-2">
            <Breakdown title="By chain / exchange" lines={places} total={n.assets_usd} testId="by-place" />
            <Breakdown title="By asset" lines={assets} total={n.assets_usd} testId="by-asset" />
          </div>
        </Card>
      )}

      {hasLinked && allocation.data && (allocation.data.blocking ?? []).length > 0 && (
        <div className="mt-6">
          <BlockingWarning items={allocation.data.blocking} context="allocation" />
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
              {allocation.data!.lines.length > 6 && (
                <p className="text-xs text-slate-500">
                  and {allocation.data!.lines.length - 6} more on the <Link href={`/portfolios/${portfolio.id}`} className="underline">allocation page</Link>
                </p>
              )}
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
