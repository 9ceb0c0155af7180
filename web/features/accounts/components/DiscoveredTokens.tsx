"use client";

import { useState, type FormEvent } from "react";
import { Button, Card, Field, FieldError, Input, Select } from "@/components/ui";
import { errorFor, fieldErrorsOf, otherErrors } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { Account, Holding } from "@/lib/api/types";
import { formatQuantity } from "@/lib/format";
import { useAccountTokens, useAddAccountToken, useDeleteAccountToken, useSetTokenMark } from "../api/tokens";

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Holdings counted in totals, and those listed apart: unverified (not in the catalog) and spam. */
export function splitHoldings(holdings: Holding[]): { counted: Holding[]; unverified: Holding[]; spam: Holding[] } {
  const has = (h: Holding, f: string) => (h.flags ?? []).includes(f);
  return {
    counted: holdings.filter((h) => !has(h, "spam") && !has(h, "unverified")),
    unverified: holdings.filter((h) => !has(h, "spam") && has(h, "unverified")),
    spam: holdings.filter((h) => has(h, "spam")),
  };
}

function TokenLine({ h, action }: { h: Holding; action: React.ReactNode }) {
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1" data-testid="token-line" data-symbol={h.symbol}>
      <span className="font-medium">{h.symbol}</span>
      <span className="tabular">{formatQuantity(h.quantity_text ?? h.quantity)}</span>
      <span className="text-slate-500">{h.chain}</span>
      <span className="break-all font-mono text-xs text-slate-500">{h.contract_address}</span>
      {action}
    </li>
  );
}

/** The tokens a wallet holds that are not counted: unverified ones (collapsed) and spam (hidden until asked). */
export function DiscoveredTokens({ holdings }: { holdings: Holding[] }) {
  const { unverified, spam } = splitHoldings(holdings);
  const [showSpam, setShowSpam] = useState(false);
  const mark = useSetTokenMark();
  const set = (h: Holding, m: "spam" | "trusted") => mark.mutate({ chain: h.chain ?? "", contract_address: h.contract_address ?? "", mark: m });
  if (unverified.length === 0 && spam.length === 0) return null;
  return (
    <Card title="Tokens left out of totals" className="mt-6">
      {unverified.length > 0 && (
        <details data-testid="unverified-tokens">
          <summary className="cursor-pointer text-sm font-medium">Unverified tokens ({unverified.length}): not in the asset catalog, so never valued or counted</summary>
          <ul className="mt-2 text-sm">
            {unverified.map((h) => (
              <TokenLine
                key={`${h.chain}-${h.contract_address}`}
                h={h}
                action={
                  <Button variant="secondary" onClick={() => set(h, "spam")} busy={mark.isPending}>
                    Mark as spam
                  </Button>
                }
              />
            ))}
          </ul>
        </details>
      )}
      {spam.length > 0 && (
        <div className="mt-3">
          <label className="inline-flex items-center gap-2 text-sm">
            <input type="checkbox" checked={showSpam} onChange={(e) => setShowSpam(e.target.checked)} /> Show spam ({spam.length})
          </label>
          {showSpam && (
            <ul className="mt-2 text-sm" data-testid="spam-tokens">
              {spam.map((h) => (
                <TokenLine
                  key={`${h.chain}-${h.contract_address}`}
                  h={h}
                  action={
                    <Button variant="secondary" onClick={() => set(h, "trusted")} busy={mark.isPending}>
                      Not spam
                    </Button>
                  }
                />
              ))}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}

/** Add a token the catalog does not list, by contract; the API reads its symbol and decimals on chain. */
export function AddTokenForm({ account }: { account: Account }) {
  const add = useAddAccountToken(account.id);
  const tokens = useAccountTokens(account.id);
  const del = useDeleteAccountToken(account.id);
  const [chain, setChain] = useState(account.enabled_chains[0] ?? "");
  const [contract, setContract] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const server = fieldErrorsOf(add.error);
  const errors = { ...server, ...local };
  const rest = otherErrors(server, ["chain", "contract_address"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!chain) found.chain = "Pick one of the wallet's chains.";
    if (!EVM_ADDRESS.test(contract.trim())) found.contract_address = "A contract address is 0x followed by 40 hex characters.";
    setLocal(found);
    if (Object.keys(found).length > 0) return;
    add.mutate({ chain, contract_address: contract.trim() }, { onSuccess: () => setContract("") });
  };
  return (
    <Card title="Tokens you added" className="mt-6">
      <form onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-[12rem_1fr_auto] sm:items-end" aria-label="Add a token">
        <Field label="Chain" htmlFor="token-chain" error={errorFor(errors, "chain")}>
          <Select id="token-chain" value={chain} onChange={(e) => setChain(e.target.value)} invalid={!!errorFor(errors, "chain")}>
            {account.enabled_chains.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Token contract" htmlFor="token-contract" error={errorFor(errors, "contract_address")}>
          <Input id="token-contract" value={contract} onChange={(e) => setContract(e.target.value)} placeholder="0x…" className="font-mono" autoComplete="off" spellCheck={false} invalid={!!errorFor(errors, "contract_address")} />
        </Field>
        <Button type="submit" busy={add.isPending}>
          Add token
        </Button>
      </form>
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {add.error && rest.length === 0 && Object.keys(server).length === 0 && <FieldError message={plainMessage(add.error)} />}
      {(tokens.data ?? []).length > 0 && (
        <ul className="mt-3 text-sm" data-testid="added-tokens">
          {tokens.data?.map((t) => (
            <li key={t.id} className="flex flex-wrap items-center gap-x-3 py-1">
              <span className="font-medium">{t.symbol}</span>
              <span className="text-slate-500">{t.name}</span>
              <span className="text-slate-500">{t.chain}</span>
              <span className="break-all font-mono text-xs text-slate-500">{t.contract_address}</span>
              <Button variant="secondary" onClick={() => del.mutate(t.id)} busy={del.isPending}>
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
