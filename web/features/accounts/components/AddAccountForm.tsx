"use client";

import { useState, type FormEvent } from "react";
import { Button, Field, FieldError, Input, cx } from "@/components/ui";
import { errorFor, fieldErrorsOf, otherErrors } from "@/lib/api/field-errors";
import type { Account, CreateAccountRequest } from "@/lib/api/types";
import { useChains } from "@/features/chains/api/get-chains";
import { useCreateAccount } from "../api/create-account";

type Kind = "wallet" | "solana" | "exchange";

const KIND_LABEL: Record<Kind, string> = { wallet: "EVM wallet", solana: "Solana wallet", exchange: "OKX exchange" };

export function AddAccountForm({ onDone }: { onDone?: (a: Account) => void }) {
  const [kind, setKind] = useState<Kind>("wallet");
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [chains, setChains] = useState<string[]>([]);
  const [apiKey, setApiKey] = useState("");
  const [apiSecret, setApiSecret] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const chainsQuery = useChains();
  const create = useCreateAccount();
  const errors = fieldErrorsOf(create.error);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: CreateAccountRequest =
      kind === "wallet"
        ? { name: name.trim(), account_type: "wallet", wallet_address: address.trim(), enabled_chains: chains }
        : kind === "solana"
          ? { name: name.trim(), account_type: "wallet", chain_family: "solana", wallet_address: address.trim() }
          : { name: name.trim(), account_type: "exchange", exchange_name: "okx", api_key: apiKey.trim(), api_secret: apiSecret.trim(), passphrase };
    create.mutate(body, {
      onSuccess: (a) => {
        setName("");
        setAddress("");
        setApiKey("");
        setApiSecret("");
        setPassphrase("");
        onDone?.(a);
      },
    });
  };

  const toggleChain = (c: string) => setChains((cs) => (cs.includes(c) ? cs.filter((x) => x !== c) : [...cs, c]));
  const shown = ["name", "account_type", "chain_family", "exchange_name", "wallet_address", "enabled_chains", "api_key", "api_secret", "passphrase"];
  const rest = otherErrors(errors, shown);

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Add account">
      <div role="radiogroup" aria-label="Account type" className="inline-flex rounded-md border border-slate-300 p-0.5 dark:border-slate-600">
        {(["wallet", "solana", "exchange"] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="radio"
            aria-checked={kind === k}
            onClick={() => {
              setKind(k);
              create.reset();
            }}
            className={cx(
              "rounded px-3 py-1.5 text-sm font-medium",
              kind === k ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
            )}
          >
            {KIND_LABEL[k]}
          </button>
        ))}
      </div>
      {create.error && rest.length === 0 && Object.keys(errors).length === 0 && <FieldError message={create.error.message} />}
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" htmlFor="account-name" error={errorFor(errors, "name")}>
          <Input id="account-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={kind === "exchange" ? "OKX main" : "My wallet"} invalid={!!errorFor(errors, "name")} required />
        </Field>
        {kind !== "exchange" ? (
          <Field
            label="Wallet address"
            htmlFor="wallet-address"
            error={errorFor(errors, "wallet_address")}
            hint={kind === "solana" ? "The wallet's base58 public key (32 bytes, e.g. from Phantom)" : "0x followed by 40 hex characters"}
          >
            <Input
              id="wallet-address"
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              placeholder={kind === "solana" ? "9WzD…" : "0x…"}
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              invalid={!!errorFor(errors, "wallet_address")}
            />
          </Field>
        ) : (
          <Field label="API key" htmlFor="api-key" error={errorFor(errors, "api_key")} hint="A read-only key: keys that can withdraw are refused">
            <Input id="api-key" value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" invalid={!!errorFor(errors, "api_key")} />
          </Field>
        )}
      </div>
      {kind === "wallet" ? (
        <fieldset>
          <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Chains</legend>
          <div className="mt-2 flex flex-wrap gap-2">
            {chainsQuery.isPending && <span className="text-sm text-slate-500">Loading chains…</span>}
            {chainsQuery.error && <span className="text-sm text-rose-600">Chains could not be loaded</span>}
            {chainsQuery.data?.length === 0 && <span className="text-sm text-slate-500">No active chains: an admin adds them.</span>}
            {chainsQuery.data?.map((c) => (
              <label
                key={c.id}
                className={cx(
                  "inline-flex cursor-pointer items-center gap-2 rounded-md border px-3 py-1.5 text-sm",
                  chains.includes(c.chain_name) ? "border-indigo-500 bg-indigo-50 dark:bg-indigo-950" : "border-slate-300 dark:border-slate-600",
                )}
              >
                <input type="checkbox" checked={chains.includes(c.chain_name)} onChange={() => toggleChain(c.chain_name)} />
                {c.display_name}
              </label>
            ))}
          </div>
          <FieldError id="enabled-chains-error" message={errorFor(errors, "enabled_chains")} />
        </fieldset>
      ) : kind === "solana" ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">SOL and every SPL and Token-2022 token the wallet holds are read; tokens not in the catalog are listed as unverified.</p>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="API secret" htmlFor="api-secret" error={errorFor(errors, "api_secret")}>
            <Input id="api-secret" type="password" value={apiSecret} onChange={(e) => setApiSecret(e.target.value)} autoComplete="off" invalid={!!errorFor(errors, "api_secret")} />
          </Field>
          <Field label="Passphrase" htmlFor="passphrase" error={errorFor(errors, "passphrase")}>
            <Input id="passphrase" type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" invalid={!!errorFor(errors, "passphrase")} />
          </Field>
        </div>
      )}
      <div className="flex gap-2">
        <Button type="submit" busy={create.isPending}>
          {kind === "exchange" ? "Add OKX account" : kind === "solana" ? "Add Solana wallet" : "Add wallet"}
        </Button>
      </div>
    </form>
  );
}
