"use client";

import { Button } from "@/components/ui";
import { exchangeName } from "@/lib/account-kinds";
import type { Account, HistoryReport } from "@/lib/api/types";
import { useSyncHistory } from "../api/ledger";

const KIND_WORDS: Record<string, string> = {
  deposits: "Deposits",
  withdrawals: "Withdrawals",
  trades: "Trades",
  converts: "Converts",
  rewards: "Rewards",
};

/** One line per kind: what was added, and what failed (nothing of a failed part is stored). */
export function reportLines(r: HistoryReport): { kind: string; text: string; failed: string[] }[] {
  return r.kinds.map((k) => ({
    kind: k.kind,
    text: `${KIND_WORDS[k.kind] ?? k.kind}: ${k.added} added (${k.fetched} read, ${k.requests} ${k.requests === 1 ? "request" : "requests"})`,
    failed: k.failed.map((f) => `${f.part}: ${f.reason}`),
  }));
}

function AccountHistory({ account }: { account: Account }) {
  const sync = useSyncHistory();
  const report = sync.data;
  return (
    <li className="py-3" data-testid="exchange-history" data-account={account.id}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <span className="text-sm">
          <span className="font-medium">{account.name}</span> <span className="text-slate-500">({exchangeName(account.exchange_name)})</span>
        </span>
        <Button variant="secondary" busy={sync.isPending} onClick={() => sync.mutate(account.id)}>
          Import history
        </Button>
      </div>
      {report && (
        <div className="mt-2 text-sm" data-testid="history-report">
          <ul className="space-y-1">
            {reportLines(report).map((l) => (
              <li key={l.kind}>
                {l.text}
                {l.failed.length > 0 && (
                  <ul className="ml-4 list-disc text-amber-800 dark:text-amber-300" data-testid="history-failed">
                    {l.failed.map((f) => (
                      <li key={f}>Not read: {f}</li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
          {report.unresolved.length > 0 && (
            <p className="mt-1 text-amber-800 dark:text-amber-300">
              {report.unresolved.length} {report.unresolved.length === 1 ? "record was" : "records were"} read but not stored (an asset the catalog does not know yet).
            </p>
          )}
        </div>
      )}
      {sync.error && <p className="mt-2 text-sm text-rose-700 dark:text-rose-400">{sync.error.message}</p>}
    </li>
  );
}

/** Exchange accounts whose history the Butler can read by API: a button each, and what the last read added. */
export function ExchangeHistory({ accounts }: { accounts: Account[] }) {
  const exchanges = accounts.filter((a) => a.account_type === "exchange");
  if (exchanges.length === 0) {
    return <p className="text-sm text-slate-600 dark:text-slate-400">No exchange account yet: add an OKX or Binance account to read its history here.</p>;
  }
  return (
    <div>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Reads deposits, withdrawals, trades, converts and rewards with the account&apos;s read-only key, from where the last import stopped. Running it
        again adds only what is new.
      </p>
      <ul className="divide-y divide-slate-200 dark:divide-slate-700">
        {exchanges.map((a) => (
          <AccountHistory key={a.id} account={a} />
        ))}
      </ul>
    </div>
  );
}
