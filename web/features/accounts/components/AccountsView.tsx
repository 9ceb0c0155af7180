"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { DataAge } from "@/components/portfolio/PriceAge";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Input, PageHeader, Select } from "@/components/ui";
import { useLocationName } from "@/lib/api/get-chains";
import { compareDecimals, sumDecimals } from "@/lib/decimal";
import { formatKnownUsd, formatUsd, NOT_READ_YET } from "@/lib/format";
import type { Account, SyncRun } from "@/lib/api/types";
import { accountsDataAge } from "@/lib/data-age";
import { ACCOUNT_KINDS_TEXT, accountBadge } from "@/lib/account-kinds";
import { useAccounts } from "@/lib/api/get-accounts";
import { useSyncAllAccounts, useSyncProgressOfList } from "../api/sync-progress";
import { AddAccountForm } from "./AddAccountForm";
import { LastSync, LocationProblems, SyncRunProgress, SyncStatusBadge } from "./SyncStatus";
import { SyncButton } from "./SyncButton";

function shortAddress(a: string) {
  return a.length > 14 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}

function AccountRow({ account, run }: { account: Account; run?: SyncRun }) {
  const name = useLocationName();
  return (
    <li className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center" data-testid="account-row" data-account-name={account.name} data-sync-status={account.last_sync_status ?? "never"}>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <Link href={`/accounts/${account.id}`} className="truncate font-semibold text-indigo-700 hover:underline dark:text-indigo-400">
            {account.name}
          </Link>
          <Badge tone="blue" testId="account-kind">{accountBadge(account)}</Badge>
          {!account.is_active && <Badge>Inactive</Badge>}
          <SyncStatusBadge status={account.last_sync_status} />
        </div>
        <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500 dark:text-slate-400">
          {account.wallet_address && <span className="font-mono" title={account.wallet_address}>{shortAddress(account.wallet_address)}</span>}
          {account.enabled_chains.length > 0 && <span>{account.enabled_chains.map(name).join(", ")}</span>}
          {account.api_key_hint && <span className="font-mono">key {account.api_key_hint}</span>}
          <LastSync account={account} />
        </div>
        {run && <SyncRunProgress run={run} />}
        <LocationProblems account={account} />
        {account.permission_warning && <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">⚠ {account.permission_warning}</p>}
      </div>
      <div className="flex items-center justify-between gap-3 sm:justify-end">
        <span className="tabular text-right font-semibold" data-testid="account-value">
          {formatKnownUsd(account.total_value_usd)}
        </span>
        <SyncButton accountId={account.id} name={account.name} disabled={!account.is_active} />
      </div>
    </li>
  );
}

/** The accounts' total: "not read yet" while none has been read, and says which it lacks. */
export function accountsTotalText(total: string, notRead: number, count: number): string {
  if (count > 0 && notRead === count) return NOT_READ_YET;
  return notRead > 0 ? `${formatUsd(total)} (${notRead} not read yet)` : formatUsd(total);
}

type SortKey = "value" | "name" | "synced" | "status";
const STATUS_RANK: Record<string, number> = { error: 0, partial: 1, ok: 3 };

export function sortAccounts(list: Account[], key: SortKey): Account[] {
  const by: Record<SortKey, (a: Account, b: Account) => number> = {
    value: (a, b) => compareDecimals(b.total_value_usd, a.total_value_usd),
    name: (a, b) => a.name.localeCompare(b.name),
    synced: (a, b) => (Date.parse(b.last_synced_at ?? "") || 0) - (Date.parse(a.last_synced_at ?? "") || 0),
    status: (a, b) => (STATUS_RANK[a.last_sync_status ?? ""] ?? 2) - (STATUS_RANK[b.last_sync_status ?? ""] ?? 2),
  };
  return [...list].sort((a, b) => by[key](a, b) || a.name.localeCompare(b.name));
}

export function filterAccounts(list: Account[], text: string, kind: string): Account[] {
  const q = text.trim().toLowerCase();
  return list.filter(
    (a) =>
      (kind === "all" || (kind === "problems" ? a.last_sync_status === "partial" || a.last_sync_status === "error" : a.account_type === kind)) &&
      (!q || a.name.toLowerCase().includes(q) || (a.wallet_address ?? "").toLowerCase().includes(q) || (a.exchange_name ?? "").toLowerCase().includes(q)),
  );
}

function AccountList({ list }: { list: Account[] }) {
  const progress = useSyncProgressOfList(list);
  const [sort, setSort] = useState<SortKey>("value");
  const [text, setText] = useState("");
  const [kind, setKind] = useState("all");
  const shown = useMemo(() => sortAccounts(filterAccounts(list, text, kind), sort), [list, text, kind, sort]);
  return (
    <>
      {list.length > 1 && (
        <div className="mb-3 flex flex-wrap items-center gap-2">
          <label className="sr-only" htmlFor="accounts-filter">Filter accounts</label>
          <Input id="accounts-filter" placeholder="Filter by name or address" value={text} onChange={(e) => setText(e.target.value)} className="min-w-0 flex-1 sm:max-w-xs" />
          <label className="sr-only" htmlFor="accounts-kind">Show</label>
          <Select id="accounts-kind" value={kind} onChange={(e) => setKind(e.target.value)} className="w-auto">
            <option value="all">All accounts</option>
            <option value="wallet">Wallets</option>
            <option value="exchange">Exchanges</option>
            <option value="manual">Manual</option>
            <option value="problems">Sync problems</option>
          </Select>
          <label className="sr-only" htmlFor="accounts-sort">Sort by</label>
          <Select id="accounts-sort" value={sort} onChange={(e) => setSort(e.target.value as SortKey)} className="w-auto">
            <option value="value">Sort: value</option>
            <option value="name">Sort: name</option>
            <option value="synced">Sort: last sync</option>
            <option value="status">Sort: problems first</option>
          </Select>
        </div>
      )}
      <Card className="p-0!">
        {shown.length === 0 ? (
          <p className="p-4 text-sm text-slate-500">No account matches the filter.</p>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {shown.map((a) => (
              <AccountRow key={a.id} account={a} run={progress.data?.find((r) => r.account_id === a.id)} />
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

export function AccountsView() {
  const accounts = useAccounts();
  const syncAll = useSyncAllAccounts();
  const [adding, setAdding] = useState(false);
  const list = accounts.data ?? [];
  const total = sumDecimals(list.map((a) => a.total_value_usd));
  const notRead = list.filter((a) => a.total_value_usd == null).length;
  const age = accountsDataAge(list);
  const name = useLocationName();

  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle={
          list.length > 0 ? (
            <>
              <span data-testid="accounts-total">{`${list.length} account${list.length === 1 ? "" : "s"} · ${accountsTotalText(total, notRead, list.length)}`}</span>
              <DataAge oldestPriceAt={age.oldestPriceAt} oldestSyncAt={age.oldestSyncAt} oldestSyncLocation={age.oldestSyncLocation ? name(age.oldestSyncLocation) : null} />
            </>
          ) : (
            "Exchange accounts, wallets and manual accounts"
          )
        }
        actions={
          <>
            {list.length > 0 && (
              <Button variant="secondary" busy={syncAll.isPending} onClick={() => syncAll.mutate()}>
                Sync all
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
            You can add {ACCOUNT_KINDS_TEXT}.
          </EmptyState>
        }
      >
        {(l) => <AccountList list={l} />}
      </QueryState>
    </>
  );
}
