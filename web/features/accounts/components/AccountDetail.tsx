"use client";

import { ConfirmDialog } from "@/components/ConfirmDialog";
import { accountTypeLabel, exchangeName } from "@/lib/account-kinds";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { HoldingsTable, type HoldingRow } from "@/components/portfolio/HoldingsTable";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, FieldError, Input, PageHeader } from "@/components/ui";
import { useChains, useLocationName } from "@/lib/api/get-chains";
import { DataAge } from "@/components/portfolio/PriceAge";
import { pctOf } from "@/lib/decimal";
import { accountsDataAge } from "@/lib/data-age";
import { errorFor, fieldErrorsOf } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { Account } from "@/lib/api/types";
import { formatDateTime, formatKnownUsd, timeAgo } from "@/lib/format";
import { useAccount } from "../api/get-account";
import { useDeleteAccount } from "../api/delete-account";
import { useUpdateAccount } from "../api/update-account";
import { useSyncProgress } from "../api/sync-progress";
import { LastSync, LocationList, LocationProblems, SyncRunProgress, SyncStatusBadge } from "./SyncStatus";
import { ManualHoldings } from "./ManualHoldings";
import { BalanceHistory } from "./BalanceHistory";
import { AddTokenForm, DiscoveredTokens, splitHoldings } from "./DiscoveredTokens";
import { SyncButton } from "./SyncButton";
import { DefiPositions, isPosition } from "./DefiPositions";

const FLAG_NOTES: Record<string, string> = {
  not_refreshed: "not refreshed",
  out_of_range: "too large to count",
  stale: "stale price",
  spam: "spam",
  unverified: "unverified",
};

/** The rows of the holdings counted in totals (unverified and spam tokens are listed apart). */
export function holdingRows(a: Account, locationLabel: (l: string) => string = (l) => l): HoldingRow[] {
  // DeFi positions are listed by protocol (DefiPositions), not here.
  return splitHoldings(a.holdings.filter((h) => !isPosition(h))).counted.map((h, i) => {
    const flags = h.flags ?? [];
    const notes = [
      h.kind === "borrowed" ? "borrowed" : undefined,
      h.is_dust ? "dust" : undefined,
      ...flags.map((f) => FLAG_NOTES[f] ?? f),
      flags.includes("not_refreshed") && h.synced_at ? `read ${timeAgo(h.synced_at)}` : undefined,
    ].filter((n): n is string => !!n);
    return {
      key: `${h.symbol}-${h.location}-${h.contract_address ?? ""}-${i}`,
      symbol: h.symbol,
      location: h.location,
      locationLabel: locationLabel(h.location),
      quantity: h.quantity_text ?? h.quantity,
      decimals: h.decimals ?? null,
      // Percent of the account's net value (a liability's share is negative).
      currentPct: h.value_usd ? pctOf(h.value_usd, a.total_value_usd) : null,
      priceUsd: h.price_usd ?? null,
      valueUsd: h.value_usd ?? null,
      note: notes.length ? notes.join(", ") : undefined,
      priceSource: h.price_source ?? null,
      priceAt: h.price_at ?? null,
    };
  });
}

export { accountTypeLabel };

/** What deleting the account removes, by its kind: only an exchange account has a stored key. */
export function deleteAccountText(a: Pick<Account, "account_type">): string {
  if (a.account_type === "exchange") return "Its holdings, its history and its stored API key are removed. The account at the exchange is not touched.";
  if (a.account_type === "manual") return "The holdings you entered and their history are removed.";
  return "Its holdings and history are removed from the Butler. The wallet itself is not touched: nothing was ever stored that can move funds.";
}

/** Why the last sync's balances may be old; a first sync that failed has no earlier read to show. */
export function syncProblemText(a: Pick<Account, "last_sync_status" | "last_synced_at" | "total_value_usd">): string {
  if (a.last_sync_status === "partial") return "The last sync was partial: these locations keep the balances of their last good read.";
  if (a.total_value_usd == null) return "The first sync failed: nothing has been read yet, so there are no balances to show.";
  return "The last sync failed: nothing could be read. Balances are from the last good read.";
}

function EditAccount({ account }: { account: Account }) {
  const update = useUpdateAccount();
  const chains = useChains();
  const [name, setName] = useState(account.name);
  const [active, setActive] = useState(account.is_active);
  const [enabled, setEnabled] = useState<string[]>(account.enabled_chains);
  const errors = fieldErrorsOf(update.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({
      id: account.id,
      body: { name: name.trim(), is_active: active, ...(account.account_type === "wallet" && account.chain_family !== "solana" ? { enabled_chains: enabled } : {}) },
    });
  };
  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" htmlFor="edit-name" error={errorFor(errors, "name")}>
          <Input id="edit-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!errorFor(errors, "name")} />
        </Field>
        <label className="flex items-center gap-2 self-end pb-2 text-sm">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> Active (included in syncs and portfolios)
        </label>
      </div>
      {account.account_type === "wallet" && account.chain_family !== "solana" && (
        <fieldset>
          <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Chains</legend>
          <div className="mt-2 flex flex-wrap gap-2">
            {chains.data?.map((c) => (
              <label key={c.id} className="inline-flex items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm dark:border-slate-600">
                <input
                  type="checkbox"
                  checked={enabled.includes(c.chain_name)}
                  onChange={() => setEnabled((xs) => (xs.includes(c.chain_name) ? xs.filter((x) => x !== c.chain_name) : [...xs, c.chain_name]))}
                />
                {c.display_name}
              </label>
            ))}
          </div>
          <FieldError message={errorFor(errors, "enabled_chains")} />
        </fieldset>
      )}
      {update.error && Object.keys(errors).length === 0 && <FieldError message={plainMessage(update.error)} />}
      <Button type="submit" busy={update.isPending}>
        Save
      </Button>
    </form>
  );
}

export function AccountDetail({ id }: { id: string }) {
  const account = useAccount(id);
  const del = useDeleteAccount();
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const name = useLocationName();
  const progress = useSyncProgress();

  return (
    <QueryState query={account} loadingLabel="Loading account…" back={{ href: "/accounts", label: "Back to accounts" }}>
      {(a) => (
        <>
          <nav className="mb-2 text-sm">
            <Link href="/accounts" className="text-indigo-600 hover:underline dark:text-indigo-400">
              ← Accounts
            </Link>
          </nav>
          <PageHeader
            title={a.name}
            subtitle={
              a.account_type === "manual" ? (
                "Holdings you enter"
              ) : a.wallet_address ? (
                <span className="break-all font-mono">{a.wallet_address}</span>
              ) : (
                `${exchangeName(a.exchange_name)} · key ${a.api_key_hint ?? "—"}`
              )
            }
            actions={
              <>
                <SyncButton accountId={a.id} name={a.name} disabled={!a.is_active} />
                <Button variant="secondary" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
                  {editing ? "Close" : "Edit"}
                </Button>
                <Button variant="danger" busy={del.isPending} onClick={() => setDeleting(true)}>
                  Delete
                </Button>
                <ConfirmDialog
                  open={deleting}
                  title={`Delete “${a.name}”?`}
                  confirmLabel="Delete account"
                  busy={del.isPending}
                  onCancel={() => setDeleting(false)}
                  onConfirm={() => del.mutate(a.id, { onSuccess: () => router.push("/accounts") })}
                >
                  {deleteAccountText(a)}
                </ConfirmDialog>
              </>
            }
          />
          <div className="mb-6 grid gap-4 sm:grid-cols-3">
            <Card>
              <p className="text-sm text-slate-500">Total value</p>
              <p className="tabular mt-1 text-2xl font-bold" data-testid="account-total">
                {formatKnownUsd(a.total_value_usd)}
              </p>
              {a.last_synced_at && (() => {
                const age = accountsDataAge([a]);
                return <DataAge oldestPriceAt={age.oldestPriceAt} oldestSyncAt={age.oldestSyncAt} oldestSyncLocation={age.oldestSyncLocation ? name(age.oldestSyncLocation) : null} />;
              })()}
            </Card>
            <Card>
              <p className="text-sm text-slate-500">Last sync</p>
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <SyncStatusBadge status={a.last_sync_status} />
                <LastSync account={a} />
              </div>
              <p className="mt-1 text-xs text-slate-500">{formatDateTime(a.last_synced_at)}</p>
              {(() => {
                const run = progress.data?.find((r) => r.account_id === a.id);
                return run ? <SyncRunProgress run={run} /> : null;
              })()}
            </Card>
            <Card>
              <p className="text-sm text-slate-500">Type</p>
              <div className="mt-1 flex flex-wrap gap-2">
                <Badge tone="blue" testId="account-type">
                  {accountTypeLabel(a)}
                </Badge>
                {!a.is_active && <Badge>Inactive</Badge>}
                {a.enabled_chains.map((c) => (
                  <Badge key={c}>{name(c)}</Badge>
                ))}
              </div>
            </Card>
          </div>
          {(a.last_sync_status === "partial" || a.last_sync_status === "error") && (
            <div role="alert" className={`mb-4 rounded-md p-3 text-sm ${a.last_sync_status === "error" ? "bg-rose-50 text-rose-900 dark:bg-rose-950 dark:text-rose-200" : "bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-200"}`}>
              <p className="font-medium">{syncProblemText(a)}</p>
              <LocationProblems account={a} />
            </div>
          )}
          {a.permission_warning && <p className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">⚠ {a.permission_warning}</p>}
          {(a.locations ?? []).length > 0 && (
            <Card title="Locations" className="mb-6">
              <LocationList locations={a.locations ?? []} />
            </Card>
          )}
          {editing && (
            <Card title="Edit account" className="mb-6">
              <EditAccount account={a} />
            </Card>
          )}
          {a.account_type === "manual" && <ManualHoldings account={a} />}
          <DefiPositions account={a} />
          <Card title="Holdings">
            {splitHoldings(a.holdings.filter((h) => !isPosition(h))).counted.length === 0 && (a.defi ?? []).length === 0 ? (
              <EmptyState title={a.last_synced_at ? "No holdings" : "Not synced yet"}>
                {a.last_synced_at ? "The last sync found nothing on this account." : "Sync the account to load its holdings."}
              </EmptyState>
            ) : (
              <HoldingsTable rows={holdingRows(a, name)} csvFilename={`holdings-${a.name.replace(/[^\w.-]+/g, "_")}.csv`} caption={`Holdings of ${a.name}`} />
            )}
          </Card>
          <DiscoveredTokens holdings={a.holdings.filter((h) => !isPosition(h))} />
          {a.account_type === "wallet" && (a.chain_family ?? "evm") === "evm" && <AddTokenForm account={a} />}
          <BalanceHistory accountId={a.id} />
        </>
      )}
    </QueryState>
  );
}
