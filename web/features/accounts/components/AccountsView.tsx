"use client";

import Link from "next/link";
import { useState } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, PageHeader } from "@/components/ui";
import { sumDecimals } from "@/lib/decimal";
import { formatUsd } from "@/lib/format";
import type { Account } from "@/lib/api/types";
import { useAccounts } from "../api/get-accounts";
import { useSyncAllAccounts } from "../api/sync-all-accounts";
import { AddAccountForm } from "./AddAccountForm";
import { LastSync, SyncStatusBadge } from "./SyncStatus";
import { SyncButton } from "./SyncButton";

function shortAddress(a: string) {
  return a.length > 14 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}

function AccountRow({ account }: { account: Account }) {
  return (
    <li className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center" data-testid="account-row" data-account-name={account.name}>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <Link href={`/accounts/${account.id}`} className="truncate font-semibold text-indigo-700 hover:underline dark:text-indigo-400">
            {account.name}
          </Link>
          <Badge tone="blue">{account.account_type === "wallet" ? (account.chain_family === "solana" ? "Solana wallet" : "Wallet") : (account.exchange_name ?? "exchange").toUpperCase()}</Badge>
          {!account.is_active && <Badge>Inactive</Badge>}
          <SyncStatusBadge status={account.last_sync_status} />
        </div>
        <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500 dark:text-slate-400">
          {account.wallet_address && <span className="font-mono" title={account.wallet_address}>{shortAddress(account.wallet_address)}</span>}
          {account.enabled_chains.length > 0 && <span>{account.enabled_chains.join(", ")}</span>}
          {account.api_key_hint && <span className="font-mono">key {account.api_key_hint}</span>}
          <LastSync account={account} />
        </div>
        {account.last_sync_error && (
          <p className="mt-1 break-words text-xs text-rose-600 dark:text-rose-400" data-testid="sync-error">
            {account.last_sync_error}
          </p>
        )}
        {account.permission_warning && <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">⚠ {account.permission_warning}</p>}
      </div>
      <div className="flex items-center justify-between gap-3 sm:justify-end">
        <span className="tabular text-right font-semibold" data-testid="account-value">
          {formatUsd(account.total_value_usd)}
        </span>
        <SyncButton accountId={account.id} name={account.name} disabled={!account.is_active} />
      </div>
    </li>
  );
}

export function AccountsView() {
  const accounts = useAccounts();
  const syncAll = useSyncAllAccounts();
  const [adding, setAdding] = useState(false);
  const total = sumDecimals((accounts.data ?? []).map((a) => a.total_value_usd));

  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle={accounts.data && accounts.data.length > 0 ? `${accounts.data.length} account${accounts.data.length === 1 ? "" : "s"} · ${formatUsd(total)}` : "Exchange accounts and wallets"}
        actions={
          <>
            {accounts.data && accounts.data.length > 0 && (
              <Button variant="secondary" busy={syncAll.isPending} onClick={() => syncAll.mutate()}>
                {syncAll.isPending ? "Syncing all…" : "Sync all"}
              </Button>
            )}
            <Button onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
              {adding ? "Close" : "Add account"}
            </Button>
          </>
        }
      />
      {adding && (
        <Card title="Add an account" className="mb-6">
          <AddAccountForm onDone={() => setAdding(false)} />
        </Card>
      )}
      <QueryState
        query={accounts}
        loadingLabel="Loading accounts…"
        isEmpty={(d) => d.length === 0}
        empty={
          <EmptyState title="No accounts yet" action={!adding && <Button onClick={() => setAdding(true)}>Add your first account</Button>}>
            Add an OKX account with a read-only API key, or an EVM wallet address.
          </EmptyState>
        }
      >
        {(list) => (
          <Card className="p-0!">
            <ul className="divide-y divide-slate-200 dark:divide-slate-800">
              {list.map((a) => (
                <AccountRow key={a.id} account={a} />
              ))}
            </ul>
          </Card>
        )}
      </QueryState>
    </>
  );
}
