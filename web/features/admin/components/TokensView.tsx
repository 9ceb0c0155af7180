"use client";

import { ConfirmDialog } from "@/components/ConfirmDialog";
import { useState, type FormEvent } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, FieldError, Input, Select, TableWrap, td, th } from "@/components/ui";
import { errorFor, fieldErrorsOf, mergeErrors, otherErrors, type FieldErrors } from "@/lib/api/field-errors";
import { collect, wholeNumber, wholeNumberError } from "@/lib/validate";
import { plainMessage } from "@/lib/api/messages";
import type { AdminChain, EvmToken } from "@/lib/api/types";
import { useCreateToken } from "../api/create-evm-token";
import { useDeleteToken } from "../api/delete-evm-token";
import { useAdminChains } from "../api/get-evm-chains";
import { useTokens } from "../api/get-evm-tokens";
import { useUpdateToken } from "../api/update-evm-token";
import { AdminFrame } from "./AdminFrame";

function AddTokenForm({ chains, onDone }: { chains: AdminChain[]; onDone: () => void }) {
  const create = useCreateToken();
  const [chainId, setChainId] = useState(chains[0]?.id ?? "");
  const [symbol, setSymbol] = useState("");
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [decimals, setDecimals] = useState("18");
  const [local, setLocal] = useState<FieldErrors>({});
  const errors = mergeErrors(local, fieldErrorsOf(create.error));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = collect([
      ["chain_id", chainId ? undefined : "Pick a chain."],
      ["symbol", symbol.trim() ? undefined : "Enter the token's symbol, like USDC."],
      ["contract_address", /^0x[0-9a-fA-F]{40}$/.test(address.trim()) ? undefined : "Enter the contract address: 0x followed by 40 hex characters."],
      ["decimals", wholeNumberError(decimals, 0, 36, "the number of decimals")],
    ]);
    setLocal(found);
    if (Object.keys(found).length) {
      create.reset();
      return;
    }
    create.mutate(
      { chain_id: chainId, symbol: symbol.trim(), name: name.trim() || null, contract_address: address.trim(), decimals: wholeNumber(decimals) },
      { onSuccess: onDone },
    );
  };
  const rest = otherErrors(errors, ["chain_id", "symbol", "name", "contract_address", "decimals"]);
  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Add token">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Field label="Chain" htmlFor="token-chain" error={errorFor(errors, "chain_id")}>
          <Select id="token-chain" value={chainId} onChange={(e) => setChainId(e.target.value)} invalid={!!errorFor(errors, "chain_id")}>
            {chains.map((c) => (
              <option key={c.id} value={c.id}>
                {c.display_name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Symbol" htmlFor="token-symbol" error={errorFor(errors, "symbol")}>
          <Input id="token-symbol" value={symbol} onChange={(e) => setSymbol(e.target.value)} invalid={!!errorFor(errors, "symbol")} placeholder="USDC" />
        </Field>
        <Field label="Name" htmlFor="token-name" error={errorFor(errors, "name")}>
          <Input id="token-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Optional" />
        </Field>
        <Field label="Contract address" htmlFor="token-address" error={errorFor(errors, "contract_address")} className="sm:col-span-2">
          <Input id="token-address" value={address} onChange={(e) => setAddress(e.target.value)} className="font-mono" placeholder="0x…" invalid={!!errorFor(errors, "contract_address")} />
        </Field>
        <Field label="Decimals" htmlFor="token-decimals" error={errorFor(errors, "decimals")}>
          <Input id="token-decimals" inputMode="numeric" value={decimals} onChange={(e) => setDecimals(e.target.value)} invalid={!!errorFor(errors, "decimals")} />
        </Field>
      </div>
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {create.error && Object.keys(errors).length === 0 && <FieldError message={plainMessage(create.error)} />}
      <Button type="submit" busy={create.isPending}>
        Add token
      </Button>
    </form>
  );
}

const MATCHED: Record<string, string> = {
  registry: "linked",
  contract: "by contract",
  symbol_name: "by symbol and name",
  symbol: "by symbol",
  dominant_symbol: "by symbol",
};

/** How wallets value this token: the API resolves it as a sync does (one source of truth). */
export function TokenValuation({ token }: { token: EvmToken }) {
  const v = token.valued_as;
  if (!v) return token.asset_id ? <Badge tone="green">linked</Badge> : <Badge>not resolved</Badge>;
  if (!v.asset_id) {
    return (
      <span data-testid="token-valuation" data-state="unknown">
        <Badge title={v.identified_by === "ambiguous" ? "Several catalog coins share this symbol" : "No catalog coin matches"}>{v.identified_by === "ambiguous" ? "ambiguous" : "unpriced"}</Badge>
      </span>
    );
  }
  return (
    <span className="inline-flex flex-col gap-0.5" data-testid="token-valuation" data-state={v.price_at ? "priced" : "no_price"}>
      <Badge tone={v.price_at ? "green" : "amber"}>{v.price_at ? `priced as ${v.symbol}` : `${v.symbol}: no price yet`}</Badge>
      <span className="text-xs text-slate-500">{MATCHED[v.identified_by] ?? v.identified_by}</span>
    </span>
  );
}

function TokenRow({ token }: { token: EvmToken }) {
  const update = useUpdateToken();
  const del = useDeleteToken();
  const [deleting, setDeleting] = useState(false);
  return (
    <tr data-testid="token-row" data-symbol={token.symbol}>
      <td className={td}>
        <div className="font-medium">{token.symbol}</div>
        {token.name && <div className="text-xs text-slate-500">{token.name}</div>}
      </td>
      <td className={td}>{token.chain_name}</td>
      <td className={`${td} break-all font-mono text-xs`}>{token.contract_address}</td>
      <td className={`${td} tabular`}>{token.decimals}</td>
      <td className={td}>
        <TokenValuation token={token} />
      </td>
      <td className={td}>
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={token.is_active}
            disabled={update.isPending}
            aria-label={`${token.symbol} active`}
            onChange={(e) => update.mutate({ id: token.id, body: { is_active: e.target.checked } })}
          />
          {token.is_active ? "active" : "inactive"}
        </label>
      </td>
      <td className={`${td} text-right`}>
        <Button variant="ghost" busy={del.isPending} aria-label={`Delete ${token.symbol}`} onClick={() => setDeleting(true)}>
          Delete
        </Button>
        <ConfirmDialog
          open={deleting}
          title={`Delete ${token.symbol} on ${token.chain_name}?`}
          confirmLabel="Delete token"
          busy={del.isPending}
          onCancel={() => setDeleting(false)}
          onConfirm={() => del.mutate(token.id, { onSettled: () => setDeleting(false) })}
        />
      </td>
    </tr>
  );
}

function TokensBody() {
  const chains = useAdminChains();
  const [chainFilter, setChainFilter] = useState("");
  const tokens = useTokens(chainFilter || undefined);
  const [adding, setAdding] = useState(false);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <Field label="Chain" htmlFor="token-filter">
          <Select id="token-filter" value={chainFilter} onChange={(e) => setChainFilter(e.target.value)} className="w-48">
            <option value="">All chains</option>
            {chains.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.display_name}
              </option>
            ))}
          </Select>
        </Field>
        <Button onClick={() => setAdding((a) => !a)} aria-expanded={adding} disabled={!chains.data?.length}>
          {adding ? "Close" : "Add token"}
        </Button>
      </div>
      {adding && chains.data && (
        <Card title="Add a token">
          <AddTokenForm chains={chains.data} onDone={() => setAdding(false)} />
        </Card>
      )}
      <Card>
        <QueryState
          query={tokens}
          loadingLabel="Loading tokens…"
          isEmpty={(d) => d.length === 0}
          empty={<EmptyState title="No tokens">ERC-20 tokens listed here are read on every wallet of their chain.</EmptyState>}
        >
          {(list) => (
            <TableWrap>
              <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800">
                <thead>
                  <tr>
                    <th className={th}>Token</th>
                    <th className={th}>Chain</th>
                    <th className={th}>Contract</th>
                    <th className={th}>Decimals</th>
                    <th className={th}>Asset</th>
                    <th className={th}>Status</th>
                    <th className={th} />
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {list.map((t) => (
                    <TokenRow key={t.id} token={t} />
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

export function TokensView() {
  return (
    <AdminFrame title="EVM tokens" subtitle="ERC-20 tokens read on wallets">
      <TokensBody />
    </AdminFrame>
  );
}
