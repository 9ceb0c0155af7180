"use client";

import { BlockingWarning } from "@/components/portfolio/BlockingWarning";
import { PriceAge } from "@/components/portfolio/PriceAge";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, TableWrap, td, th } from "@/components/ui";
import { useAccounts } from "@/lib/api/get-accounts";
import { useAllocation } from "@/lib/api/get-allocation";
import { PortfolioFrame } from "@/components/portfolio/PortfolioHeader";
import type { Portfolio, Recommendation } from "@/lib/api/types";
import { formatDateTime, formatQuantity, formatUsd } from "@/lib/format";
import { useCreateRecommendation } from "../api/create-recommendation";
import { useRecommendations } from "../api/get-recommendations";

export function RecommendationCard({ r, accountName, latest }: { r: Recommendation; accountName: (id: string) => string; latest: boolean }) {
  // An incomplete one has no trades by the API's rule; never draw a table for it regardless.
  const incomplete = r.status === "incomplete";
  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          {formatDateTime(r.created_at)}
          {latest && <Badge tone="blue">Latest</Badge>}
          {incomplete && (
            <Badge tone="amber" testId="recommendation-status">
              Incomplete
            </Badge>
          )}
        </span>
      }
      actions={
        !incomplete && (
          <span className="tabular text-sm text-slate-600 dark:text-slate-400">
            Sell {formatUsd(r.total_sell_usd)} · Buy {formatUsd(r.total_buy_usd)}
          </span>
        )
      }
    >
      <div data-testid="recommendation" data-status={r.status}>
        {r.excluded_accounts.length > 0 && (
          <p className="mb-3 text-sm text-amber-800 dark:text-amber-300" data-testid="recommendation-left-out">
            Leaves out, at your request: {r.excluded_accounts.map((a) => a.name).join(", ")} (could not be read, and held nothing the Butler knows of).
          </p>
        )}
        {incomplete ? (
          <BlockingWarning items={r.blocking ?? []} context="recommendation" />
        ) : r.trades.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No trades: every asset is within its band.</p>
        ) : (
          <>
            {/* Phones: one card per trade, nothing scrolls sideways. */}
            <ul className="space-y-3 sm:hidden" data-testid="trade-cards">
              {r.trades.map((t, i) => (
                <li key={`${t.symbol}-${i}`} className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700" data-testid="trade-card" data-side={t.side} data-symbol={t.symbol}>
                  <div className="flex items-center justify-between gap-2">
                    <span className="flex items-center gap-2 font-medium">
                      <Badge tone={t.side === "sell" ? "red" : "green"}>{t.side === "sell" ? "Sell" : "Buy"}</Badge>
                      {t.symbol}
                    </span>
                    <span className="tabular font-semibold">{formatUsd(t.usd_amount)}</span>
                  </div>
                  <p className="tabular mt-1 text-slate-600 dark:text-slate-400">
                    {formatQuantity(t.quantity)} {t.symbol}
                    {t.price_usd && <> at {formatUsd(t.price_usd)}</>}
                  </p>
                  {(t.price_at || t.price_source) && <PriceAge source={t.price_source} at={t.price_at} />}
                  <p className="mt-1 text-slate-500">Where: {t.accounts.map(accountName).join(", ") || "—"}</p>
                  <p className="mt-1 text-slate-600 dark:text-slate-400">{t.reason}</p>
                </li>
              ))}
            </ul>
            <div className="hidden sm:block">
          <TableWrap>
              <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800">
                <thead>
                  <tr>
                    <th className={th}>Side</th>
                    <th className={th}>Asset</th>
                    <th className={`${th} text-right`}>Quantity</th>
                    <th className={`${th} text-right`}>Amount</th>
                    <th className={th}>Where</th>
                    <th className={th}>Why</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {r.trades.map((t, i) => (
                    <tr key={`${t.symbol}-${i}`} data-testid="trade-row" data-side={t.side} data-symbol={t.symbol}>
                      <td className={td}>
                        <Badge tone={t.side === "sell" ? "red" : "green"}>{t.side === "sell" ? "Sell" : "Buy"}</Badge>
                      </td>
                      <td className={`${td} font-medium`}>{t.symbol}</td>
                      <td className={`${td} tabular text-right`}>{formatQuantity(t.quantity)}</td>
                      <td className={`${td} tabular text-right`}>
                        {formatUsd(t.usd_amount)}
                        {t.price_usd && <div className="text-xs text-slate-500">at {formatUsd(t.price_usd)}</div>}
                        {(t.price_at || t.price_source) && (
                          <div className="flex justify-end">
                            <PriceAge source={t.price_source} at={t.price_at} />
                          </div>
                        )}
                      </td>
                      <td className={`${td} text-slate-500`}>{t.accounts.map(accountName).join(", ") || "—"}</td>
                      <td className={`${td} text-slate-600 dark:text-slate-400`}>{t.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            </div>
          </>
        )}
        {!incomplete && r.blocked.length > 0 && (
          <div className="mt-4">
            <h3 className="text-sm font-semibold">Held back by guardrails</h3>
            <ul className="mt-1 space-y-1 text-sm text-amber-800 dark:text-amber-300">
              {r.blocked.map((b, i) => (
                <li key={`${b.symbol}-${i}`}>
                  <span className="font-medium">{b.symbol}</span> ({b.guardrail}): {b.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </Card>
  );
}

export function RecommendationsBody({ portfolio }: { portfolio: Portfolio }) {
  const recs = useRecommendations(portfolio.id);
  const generate = useCreateRecommendation();
  const accounts = useAccounts();
  // What would hold advice back, known before the button is pressed (the allocation says it).
  const allocation = useAllocation(portfolio.id);
  const onHold = allocation.data?.blocking ?? [];
  const accountName = (id: string) => accounts.data?.find((a) => a.id === id)?.name ?? id.slice(0, 8);
  const noTargets = portfolio.target_allocation.length === 0;
  // When all that holds advice back is accounts that cannot be read and hold nothing known,
  // the user may choose to leave them out (the API checks the same rule).
  const leaveOut =
    onHold.length > 0 && onHold.every((b) => b.reason === "sync_failed" && b.excludable) ? [...new Set(onHold.flatMap((b) => b.accounts))] : [];
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Trades that bring out-of-band assets back to the edge of their band, within the portfolio&apos;s guardrails. Nothing is traded for you.
        </p>
        <Button
          busy={generate.isPending}
          onClick={() => generate.mutate(portfolio.id)}
          disabled={noTargets || onHold.length > 0}
          title={onHold.length > 0 ? "Fix what the warning lists first" : undefined}
          aria-describedby={onHold.length > 0 ? "recommendations-on-hold" : undefined}
        >
          Generate recommendations
        </Button>
      </div>
      {noTargets && <p className="text-sm text-amber-700 dark:text-amber-400">Set target allocations in the settings first.</p>}
      {!noTargets && onHold.length > 0 && (
        <div id="recommendations-on-hold">
          <BlockingWarning items={onHold} context="allocation" />
          {leaveOut.length > 0 && (
            <div className="mt-3 flex flex-wrap items-center gap-3 text-sm text-slate-700 dark:text-slate-300" data-testid="leave-out">
              <p>
                {leaveOut.map(accountName).join(", ")} could not be read and {leaveOut.length === 1 ? "holds" : "hold"} nothing the Butler knows of. You can leave{" "}
                {leaveOut.length === 1 ? "it" : "them"} out; the advice will say so.
              </p>
              <Button variant="secondary" busy={generate.isPending} onClick={() => generate.mutate({ id: portfolio.id, exclude: leaveOut })}>
                Generate without {leaveOut.length === 1 ? accountName(leaveOut[0]) : `these ${leaveOut.length} accounts`}
              </Button>
            </div>
          )}
        </div>
      )}
      <QueryState
        query={recs}
        loadingLabel="Loading recommendations…"
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No recommendations yet">Generate one to see which trades would rebalance this portfolio.</EmptyState>}
      >
        {(list) => (
          <div className="space-y-4">
            {list.map((r, i) => (
              <RecommendationCard key={r.id} r={r} accountName={accountName} latest={i === 0} />
            ))}
          </div>
        )}
      </QueryState>
    </div>
  );
}

export function RecommendationsView({ id }: { id: string }) {
  return <PortfolioFrame id={id}>{(p) => <RecommendationsBody portfolio={p} />}</PortfolioFrame>;
}
