"use client";

import { useState, type FormEvent } from "react";
import { Button, Field, FieldError, Input, Select, cx } from "@/components/ui";
import { errorFor, fieldErrorsOf, otherErrors } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { Account, CreateAccountRequest } from "@/lib/api/types";
import { useChains } from "@/lib/api/get-chains";
import { useExchanges } from "@/lib/api/get-exchanges";
import { useCreateAccount } from "../api/create-account";

type Kind = "wallet" | "solana" | "exchange" | "manual";

const KIND_LABEL: Record<Kind, string> = { wallet: "EVM wallet", solana: "Solana wallet", exchange: "Exchange", manual: "Manual" };
type Credential = "api_key" | "api_secret" | "passphrase";

/** The input id of a credential field (`api_key` -> `api-key`). */
const inputId = (field: string) => field.replace("_", "-");

export function AddAccountForm({ onDone }: { onDone?: (a: Account) => void }) {
  const [kind, setKind] = useState<Kind>("wallet");
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [chains, setChains] = useState<string[]>([]);
  const [exchangeName, setExchangeName] = useState<string>("");
  const [creds, setCreds] = useState<Partial<Record<Credential, string>>>({});
  const chainsQuery = useChains();
  const exchangesQuery = useExchanges();
  const exchange = exchangesQuery.data?.find((x) => x.name === exchangeName) ?? exchangesQuery.data?.[0];
  const create = useCreateAccount();
  const errors = fieldErrorsOf(create.error);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    let body: CreateAccountRequest;
    if (kind === "wallet") {
      body = { name: name.trim(), account_type: "wallet", wallet_address: address.trim(), enabled_chains: chains };
    } else if (kind === "solana") {
      body = { name: name.trim(), account_type: "wallet", chain_family: "solana", wallet_address: address.trim() };
    } else if (kind === "manual") {
      body = { name: name.trim(), account_type: "manual" };
    } else {
      if (!exchange) return;
      body = { name: name.trim(), account_type: "exchange", exchange_name: exchange.name };
      for (const c of exchange.credentials) {
        const value = creds[c.field as Credential] ?? "";
        // Keys and secrets have no meaningful spaces at their ends; a passphrase may.
        body[c.field as Credential] = c.field === "passphrase" ? value : value.trim();
      }
    }
    create.mutate(body, {
      onSuccess: (a) => {
        setName("");
        setAddress("");
        setCreds({});
        onDone?.(a);
      },
    });
  };

  const toggleChain = (c: string) => setChains((cs) => (cs.includes(c) ? cs.filter((x) => x !== c) : [...cs, c]));
  const shown = ["name", "account_type", "exchange_name", "wallet_address", "enabled_chains", "api_key", "api_secret", "passphrase"];
  const rest = otherErrors(errors, shown);

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Add account">
      <div role="radiogroup" aria-label="Account type" className="inline-flex rounded-md border border-slate-300 p-0.5 dark:border-slate-600">
        {(["wallet", "solana", "exchange", "manual"] as const).map((k) => (
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
      {create.error && rest.length === 0 && Object.keys(errors).length === 0 && <FieldError message={plainMessage(create.error)} />}
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" htmlFor="account-name" error={errorFor(errors, "name")}>
          <Input id="account-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={kind === "wallet" || kind === "solana" ? "My wallet" : kind === "manual" ? "Cold storage" : `${exchange?.display_name ?? "Exchange"} main`} invalid={!!errorFor(errors, "name")} required />
        </Field>
        {kind === "manual" ? (
          <p className="self-end pb-2 text-sm text-slate-500">For cold storage or an OTC position: you enter the holdings after adding it.</p>
        ) : kind === "wallet" || kind === "solana" ? (
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
              placeholder={kind === "solana" ? "9WzDXwBb…" : "0x…"}
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              invalid={!!errorFor(errors, "wallet_address")}
            />
          </Field>
        ) : (
          <Field label="Exchange" htmlFor="exchange-name" error={errorFor(errors, "exchange_name")} hint="A read-only key: keys that can withdraw are refused">
            {exchangesQuery.isPending ? (
              <span className="text-sm text-slate-500">Loading exchanges…</span>
            ) : exchangesQuery.error ? (
              <span className="text-sm text-rose-600">Exchanges could not be loaded</span>
            ) : exchangesQuery.data?.length === 0 ? (
              <span className="text-sm text-slate-500">This server reads no exchange.</span>
            ) : (
              <Select
                id="exchange-name"
                value={exchange?.name ?? ""}
                onChange={(e) => {
                  setExchangeName(e.target.value);
                  setCreds({});
                  create.reset();
                }}
                invalid={!!errorFor(errors, "exchange_name")}
              >
                {exchangesQuery.data?.map((x) => (
                  <option key={x.name} value={x.name}>
                    {x.display_name}
                  </option>
                ))}
              </Select>
            )}
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
      ) : kind === "manual" ? null : kind === "solana" ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">SOL and every SPL and Token-2022 token the wallet holds are read; tokens not in the catalog are listed as unverified.</p>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          {exchange?.credentials.map((c) => (
            <Field key={c.field} label={c.label} htmlFor={inputId(c.field)} error={errorFor(errors, c.field)}>
              <Input
                id={inputId(c.field)}
                type={c.field === "api_key" ? "text" : "password"}
                value={creds[c.field as Credential] ?? ""}
                onChange={(e) => setCreds((cs) => ({ ...cs, [c.field]: e.target.value }))}
                autoComplete="off"
                spellCheck={false}
                invalid={!!errorFor(errors, c.field)}
              />
            </Field>
          ))}
        </div>
      )}
      <div className="flex gap-2">
        <Button type="submit" busy={create.isPending}>
          {kind === "wallet" ? "Add wallet" : kind === "solana" ? "Add Solana wallet" : kind === "manual" ? "Add manual account" : `Add ${exchange?.display_name ?? "exchange"} account`}
        </Button>
      </div>
    </form>
  );
}
