"use client";

import { ConfirmDialog } from "@/components/ConfirmDialog";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, FieldError, Input, TableWrap, td, th } from "@/components/ui";
import { errorFor, fieldErrorsOf, mergeErrors, otherErrors, type FieldErrors } from "@/lib/api/field-errors";
import { collect, wholeNumber, wholeNumberError } from "@/lib/validate";
import { plainMessage } from "@/lib/api/messages";
import type { AdminChain } from "@/lib/api/types";
import { useCreateChain } from "../api/create-evm-chain";
import { useDeleteChain } from "../api/delete-evm-chain";
import { useAdminChains } from "../api/get-evm-chains";
import { useUpdateChain } from "../api/update-evm-chain";
import { useSolanaRpc, useUpdateSolanaRpc } from "../api/solana-rpc";
import { AdminFrame } from "./AdminFrame";

function AddChainForm({ onDone }: { onDone: () => void }) {
  const create = useCreateChain();
  const [f, setF] = useState({ chain_name: "", chain_id: "", display_name: "", rpc_url: "", native_symbol: "ETH", native_decimals: "18" });
  const [local, setLocal] = useState<FieldErrors>({});
  const errors = mergeErrors(local, fieldErrorsOf(create.error));
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement>) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Every field checked at once before sending; the RPC's reachability is the API's to say.
    const found = collect([
      ["chain_name", f.chain_name.trim() ? undefined : "Enter a short lowercase name, like polygon."],
      ["chain_id", wholeNumberError(f.chain_id, 1, Number.MAX_SAFE_INTEGER, "the chain id")],
      ["display_name", f.display_name.trim() ? undefined : "Enter the name people see, like Polygon."],
      ["rpc_url", /^https?:\/\/\S+$/i.test(f.rpc_url.trim()) ? undefined : "Enter an http:// or https:// address of the chain's RPC node."],
      ["native_symbol", f.native_symbol.trim() ? undefined : "Enter the native coin's symbol, like ETH."],
      ["native_decimals", wholeNumberError(f.native_decimals, 0, 36, "the number of decimals")],
    ]);
    setLocal(found);
    if (Object.keys(found).length) {
      create.reset();
      return;
    }
    create.mutate(
      {
        chain_name: f.chain_name.trim(),
        chain_id: wholeNumber(f.chain_id),
        display_name: f.display_name.trim(),
        rpc_url: f.rpc_url.trim(),
        native_symbol: f.native_symbol.trim(),
        native_decimals: wholeNumber(f.native_decimals),
      },
      { onSuccess: onDone },
    );
  };
  const fields: [keyof typeof f, string, string?][] = [
    ["chain_name", "Name", "Lowercase, e.g. polygon"],
    ["chain_id", "Chain id"],
    ["display_name", "Display name"],
    ["rpc_url", "RPC URL", "http:// or https://"],
    ["native_symbol", "Native symbol"],
    ["native_decimals", "Native decimals"],
  ];
  const rest = otherErrors(errors, fields.map(([k]) => k));
  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Add chain">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {fields.map(([k, label, hint]) => (
          <Field key={k} label={label} htmlFor={`chain-${k}`} error={errorFor(errors, k)} hint={hint}>
            <Input
              id={`chain-${k}`}
              value={f[k]}
              onChange={set(k)}
              inputMode={k === "chain_id" || k === "native_decimals" ? "numeric" : undefined}
              invalid={!!errorFor(errors, k)}
            />
          </Field>
        ))}
      </div>
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {create.error && Object.keys(errors).length === 0 && <FieldError message={plainMessage(create.error)} />}
      <Button type="submit" busy={create.isPending}>
        Add chain
      </Button>
    </form>
  );
}

const PROTOCOL_FIELDS = [
  ["aave_v3_addresses_provider", "Aave v3 PoolAddressesProvider"],
  ["uniswap_v3_position_manager", "Uniswap v3 position manager"],
  ["uniswap_v3_factory", "Uniswap v3 factory"],
] as const;

type ProtocolField = (typeof PROTOCOL_FIELDS)[number][0];

/** The chain's DeFi protocol addresses: which are read, and a form to change or clear them. */
function ProtocolsCell({ chain }: { chain: AdminChain }) {
  const update = useUpdateChain();
  const [editing, setEditing] = useState(false);
  const initial = () => Object.fromEntries(PROTOCOL_FIELDS.map(([k]) => [k, chain[k] ?? ""])) as Record<ProtocolField, string>;
  const [f, setF] = useState(initial);
  const errors = fieldErrorsOf(update.error);
  const names = [chain.aave_v3_addresses_provider ? "Aave v3" : null, chain.uniswap_v3_position_manager && chain.uniswap_v3_factory ? "Uniswap v3" : null].filter(Boolean);
  if (!editing) {
    return (
      <button type="button" className="text-left text-xs text-indigo-700 hover:underline dark:text-indigo-400" title="Change the DeFi protocol addresses" onClick={() => setEditing(true)} data-testid="chain-protocols">
        {names.length ? names.join(" · ") : "none"}
      </button>
    );
  }
  return (
    <form
      className="flex min-w-72 flex-col gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        const body = Object.fromEntries(PROTOCOL_FIELDS.map(([k]) => [k, f[k].trim()]));
        update.mutate({ id: chain.id, body }, { onSuccess: () => setEditing(false) });
      }}
    >
      {PROTOCOL_FIELDS.map(([k, label]) => (
        <div key={k}>
          <label className="text-xs text-slate-500" htmlFor={`${k}-${chain.id}`}>{label}</label>
          <Input id={`${k}-${chain.id}`} value={f[k]} placeholder="0x… (empty: not read)" onChange={(e) => setF({ ...f, [k]: e.target.value })} invalid={!!errorFor(errors, k)} />
          <FieldError message={errorFor(errors, k)} />
        </div>
      ))}
      {update.error && !Object.keys(errors).length && <FieldError message={plainMessage(update.error)} />}
      <div className="flex gap-2">
        <Button type="submit" busy={update.isPending}>Save</Button>
        <Button variant="ghost" onClick={() => { setEditing(false); setF(initial()); update.reset(); }}>Cancel</Button>
      </div>
    </form>
  );
}

/** The chain a link points at (`#chain-row-<name>`, from a sync problem): its row is shown and marked. */
function useLinkedChain(): string | null {
  const [linked, setLinked] = useState<string | null>(null);
  useEffect(() => {
    const read = () => {
      const m = /^#chain-row-(.+)$/.exec(window.location.hash);
      setLinked(m ? decodeURIComponent(m[1]) : null);
    };
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, []);
  return linked;
}

function ChainRow({ chain, linked }: { chain: AdminChain; linked: boolean }) {
  const update = useUpdateChain();
  const del = useDeleteChain();
  const [editing, setEditing] = useState(false);
  const [rpc, setRpc] = useState(chain.rpc_url);
  const errors = fieldErrorsOf(update.error);
  const ref = useRef<HTMLTableRowElement>(null);
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    if (linked) ref.current?.scrollIntoView({ block: "center" });
  }, [linked]);
  return (
    <tr
      ref={ref}
      id={`chain-row-${chain.chain_name}`}
      data-testid="chain-row"
      data-chain={chain.chain_name}
      data-linked={linked || undefined}
      className={linked ? "bg-amber-50 outline-2 outline-amber-400 dark:bg-amber-950" : undefined}
    >
      <td className={td}>
        <div className="font-medium">{chain.display_name}</div>
        <div className="text-xs text-slate-500">
          {chain.chain_name} · id {chain.chain_id}
        </div>
      </td>
      <td className={`${td} max-w-xs`}>
        {editing ? (
          <form
            className="flex flex-col gap-1"
            onSubmit={(e) => {
              e.preventDefault();
              update.mutate({ id: chain.id, body: { rpc_url: rpc.trim() } }, { onSuccess: () => setEditing(false) });
            }}
          >
            <label className="sr-only" htmlFor={`rpc-${chain.id}`}>RPC URL of {chain.display_name}</label>
            <Input id={`rpc-${chain.id}`} value={rpc} onChange={(e) => setRpc(e.target.value)} invalid={!!errorFor(errors, "rpc_url")} />
            <FieldError message={errorFor(errors, "rpc_url") ?? (update.error && !Object.keys(errors).length ? plainMessage(update.error) : undefined)} />
            <div className="flex gap-2">
              <Button type="submit" busy={update.isPending}>Save</Button>
              <Button variant="ghost" onClick={() => { setEditing(false); setRpc(chain.rpc_url); update.reset(); }}>Cancel</Button>
            </div>
          </form>
        ) : (
          <button type="button" className="block max-w-full truncate text-left font-mono text-xs text-indigo-700 hover:underline dark:text-indigo-400" title="Change the RPC URL" onClick={() => setEditing(true)}>
            {chain.rpc_url}
          </button>
        )}
      </td>
      <td className={td}>
        {chain.native_symbol} <span className="text-xs text-slate-500">({chain.native_decimals})</span>
      </td>
      <td className={td}>{chain.multicall3_address ? <Badge tone="green">yes</Badge> : <Badge>no</Badge>}</td>
      <td className={td}>
        <ProtocolsCell chain={chain} />
      </td>
      <td className={td}>
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={chain.is_active}
            disabled={update.isPending}
            onChange={(e) => update.mutate({ id: chain.id, body: { is_active: e.target.checked } })}
            aria-label={`${chain.display_name} active`}
          />
          {chain.is_active ? "active" : "inactive"}
        </label>
      </td>
      <td className={`${td} text-right`}>
        <Button
          variant="ghost"
          busy={del.isPending}
          aria-label={`Delete ${chain.display_name}`}
          onClick={() => setDeleting(true)}
        >
          Delete
        </Button>
        <ConfirmDialog
          open={deleting}
          title={`Delete the chain ${chain.display_name}?`}
          confirmLabel="Delete chain"
          busy={del.isPending}
          onCancel={() => setDeleting(false)}
          onConfirm={() => del.mutate(chain.id, { onSettled: () => setDeleting(false) })}
        >
          Wallets are no longer read on it.
        </ConfirmDialog>
      </td>
    </tr>
  );
}

export function ChainsView() {
  return (
    <AdminFrame title="Chains" subtitle="The chains wallets can be read on (EVM chains and Solana), and their RPC endpoints">
      <ChainsBody />
    </AdminFrame>
  );
}

/** The Solana RPC beside the EVM chains: its endpoint, rate and deadline, changed in place. */
function SolanaRpcCard({ linked }: { linked: boolean }) {
  const rpc = useSolanaRpc();
  const update = useUpdateSolanaRpc();
  const [form, setForm] = useState<{ rpc_url: string; requests_per_second: string; timeout_ms: string } | null>(null);
  const [local, setLocal] = useState<FieldErrors>({});
  const errors = mergeErrors(local, fieldErrorsOf(update.error));
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (linked) ref.current?.scrollIntoView({ block: "center" });
  }, [linked, rpc.data]);
  return (
    <div ref={ref} id="solana-rpc" data-testid="solana-rpc" data-linked={linked || undefined} className={linked ? "rounded-lg outline-2 outline-amber-400" : undefined}>
      <Card title="Solana">
        <QueryState query={rpc} loadingLabel="Loading the Solana RPC…">
          {(r) =>
            form ? (
              <form
                className="grid gap-3 sm:grid-cols-3"
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  const found = collect([
                    ["rpc_url", /^https?:\/\/\S+$/i.test(form.rpc_url.trim()) ? undefined : "Enter an http:// or https:// address of a Solana JSON-RPC node."],
                    ["requests_per_second", wholeNumberError(form.requests_per_second, 1, 1000, "requests a second")],
                    ["timeout_ms", wholeNumberError(form.timeout_ms, 100, 600000, "the deadline in milliseconds")],
                  ]);
                  setLocal(found);
                  if (Object.keys(found).length) return;
                  update.mutate(
                    { rpc_url: form.rpc_url.trim(), requests_per_second: wholeNumber(form.requests_per_second), timeout_ms: wholeNumber(form.timeout_ms) },
                    { onSuccess: () => setForm(null) },
                  );
                }}
              >
                <Field label="RPC URL" htmlFor="solana-rpc-url" error={errorFor(errors, "rpc_url")} className="sm:col-span-3">
                  <Input id="solana-rpc-url" value={form.rpc_url} onChange={(e) => setForm({ ...form, rpc_url: e.target.value })} invalid={!!errorFor(errors, "rpc_url")} />
                </Field>
                <Field label="Requests a second" htmlFor="solana-rps" error={errorFor(errors, "requests_per_second")}>
                  <Input id="solana-rps" inputMode="numeric" value={form.requests_per_second} onChange={(e) => setForm({ ...form, requests_per_second: e.target.value })} />
                </Field>
                <Field label="Deadline (ms)" htmlFor="solana-timeout" error={errorFor(errors, "timeout_ms")}>
                  <Input id="solana-timeout" inputMode="numeric" value={form.timeout_ms} onChange={(e) => setForm({ ...form, timeout_ms: e.target.value })} />
                </Field>
                <div className="flex items-end gap-2">
                  <Button type="submit" busy={update.isPending}>Save</Button>
                  <Button variant="ghost" onClick={() => { setForm(null); setLocal({}); update.reset(); }}>Cancel</Button>
                </div>
                <FieldError message={update.error && !Object.keys(fieldErrorsOf(update.error)).length ? plainMessage(update.error) : undefined} />
              </form>
            ) : (
              <dl className="grid gap-2 text-sm sm:grid-cols-4">
                <div className="sm:col-span-2">
                  <dt className="text-xs text-slate-500">RPC URL</dt>
                  <dd className="truncate font-mono text-xs" data-testid="solana-rpc-url">{r.rpc_url}</dd>
                </div>
                <div>
                  <dt className="text-xs text-slate-500">Rate · deadline</dt>
                  <dd>{r.requests_per_second}/s · {r.timeout_ms} ms</dd>
                </div>
                <div className="flex items-center justify-between gap-2">
                  {r.is_active ? <Badge tone="green">active</Badge> : <Badge>inactive</Badge>}
                  <Button variant="secondary" onClick={() => setForm({ rpc_url: r.rpc_url, requests_per_second: String(r.requests_per_second), timeout_ms: String(r.timeout_ms) })}>
                    Change
                  </Button>
                </div>
              </dl>
            )
          }
        </QueryState>
      </Card>
    </div>
  );
}

function ChainsBody() {
  const chains = useAdminChains();
  const linked = useLinkedChain();
  const [adding, setAdding] = useState(false);
  return (
    <div className="space-y-6">
      <div className="flex justify-end">
        <Button onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
          {adding ? "Close" : "Add chain"}
        </Button>
      </div>
      {adding && (
        <Card title="Add a chain">
          <AddChainForm onDone={() => setAdding(false)} />
        </Card>
      )}
      <Card>
        <QueryState query={chains} loadingLabel="Loading chains…" isEmpty={(d) => d.length === 0} empty={<EmptyState title="No chains" />}>
          {(list) => (
            <TableWrap>
              <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800">
                <thead>
                  <tr>
                    <th className={th}>Chain</th>
                    <th className={th}>RPC URL</th>
                    <th className={th}>Native</th>
                    <th className={th}>Multicall3</th>
                    <th className={th}>DeFi</th>
                    <th className={th}>Status</th>
                    <th className={th} />
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {list.map((c) => (
                    <ChainRow key={c.id} chain={c} linked={linked === c.chain_name} />
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </QueryState>
      </Card>
      <SolanaRpcCard linked={linked === "solana"} />
    </div>
  );
}
