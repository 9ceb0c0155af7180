"use client";

import { ConfirmDialog } from "@/components/ConfirmDialog";
import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Button, Card, Field, FieldError, Input, cx } from "@/components/ui";
import { useAccounts } from "@/lib/api/get-accounts";
import { errorFor, fieldErrorsOf, mergeErrors, otherErrors, type FieldErrors } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { Portfolio, UpdatePortfolioRequest } from "@/lib/api/types";
import { compareDecimals, isPlainDecimal, sumDecimals } from "@/lib/decimal";
import { formatUsd } from "@/lib/format";
import { useAllocation } from "@/lib/api/get-allocation";
import { useDeletePortfolio } from "../api/delete-portfolio";
import { useLinkAccount } from "../api/link-account";
import { useUnlinkAccount } from "../api/unlink-account";
import { useUpdatePortfolio } from "../api/update-portfolio";
import { PortfolioFrame } from "@/components/portfolio/PortfolioHeader";
import { normalizeNumber, validatePortfolio } from "../validate";

interface TargetRow {
  uid: number;
  asset: string;
  /** Kept while the row names the asset it was loaded with, so a shared symbol stays precise. */
  assetId?: string;
  pct: string;
}

let uid = 0;
const nextUid = () => ++uid;

export function targetRowsOf(p: Portfolio): TargetRow[] {
  return p.target_allocation.map((t) => ({ uid: nextUid(), asset: t.symbol, assetId: t.asset_id ?? undefined, pct: String(t.target_pct) }));
}

export function targetsBody(rows: TargetRow[]) {
  return rows
    .filter((r) => r.asset.trim() !== "" || r.pct.trim() !== "")
    .map((r) => ({ asset: r.assetId ?? r.asset.trim().toUpperCase(), target_pct: normalizeNumber(r.pct) }));
}

/** The exact sum of the rows' percentages, in full ("33.333333" stays visible as not 100); rows that are not plain decimals count as nothing (the API names them on save). */
export function targetsSum(rows: Pick<TargetRow, "pct">[]): string {
  return sumDecimals(rows.map((r) => r.pct.trim()).filter(isPlainDecimal));
}

export function TargetsAndGuardrails({ portfolio }: { portfolio: Portfolio }) {
  const update = useUpdatePortfolio();
  const allocation = useAllocation(portfolio.account_ids.length > 0 ? portfolio.id : undefined);
  const g = portfolio.guardrails;
  const [name, setName] = useState(portfolio.name);
  const [description, setDescription] = useState(portfolio.description ?? "");
  const [isDefault, setIsDefault] = useState(portfolio.is_default);
  const [cash, setCash] = useState(portfolio.stablecoins_as_cash);
  const [rows, setRows] = useState<TargetRow[]>(() => (portfolio.target_allocation.length ? targetRowsOf(portfolio) : [{ uid: nextUid(), asset: "", pct: "" }]));
  const [abs, setAbs] = useState(g.drift_band_abs_pct ?? "");
  const [rel, setRel] = useState(g.drift_band_rel_pct ?? "");
  const [minTrade, setMinTrade] = useState(g.min_trade_usd ?? "");
  const [turnover, setTurnover] = useState(g.max_turnover_pct ?? "");
  const [neverSell, setNeverSell] = useState((g.never_sell ?? []).join(", "));
  const [cashFunding, setCashFunding] = useState(g.allow_cash_funding ?? true);
  const [localErrors, setLocalErrors] = useState<FieldErrors>({});
  const errors = mergeErrors(localErrors, fieldErrorsOf(update.error));
  const errorCount = Object.keys(errors).length;
  const sum = targetsSum(rows);
  const vsHundred = compareDecimals(sum, "100");
  const suggestions = useMemo(() => {
    const held = allocation.data?.lines.map((l) => l.symbol) ?? [];
    return [...new Set(["CASH", ...held])];
  }, [allocation.data]);

  // Errors of a target row refer to its index among the rows sent.
  const sentIndex = new Map<number, number>();
  rows.filter((r) => r.asset.trim() !== "" || r.pct.trim() !== "").forEach((r, i) => sentIndex.set(r.uid, i));
  const rowError = (r: TargetRow, part: "asset" | "target_pct") => {
    const i = sentIndex.get(r.uid);
    return i === undefined ? undefined : errors[`target_allocation[${i}].${part}`] ?? (part === "asset" ? errors[`target_allocation[${i}]`] : undefined);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: UpdatePortfolioRequest = {
      name: name.trim(),
      description: description.trim() || null,
      is_default: isDefault,
      stablecoins_as_cash: cash,
      target_allocation: targetsBody(rows),
      guardrails: {
        drift_band_abs_pct: normalizeNumber(abs),
        drift_band_rel_pct: normalizeNumber(rel),
        min_trade_usd: normalizeNumber(minTrade),
        max_turnover_pct: normalizeNumber(turnover),
        never_sell: neverSell.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean),
        allow_cash_funding: cashFunding,
        // Derived by the API from never_sell on every save.
        never_sell_ids: [],
      },
    };
    // Every problem at once, before anything is sent; the API's own errors show the same way.
    const found = validatePortfolio(body);
    setLocalErrors(found);
    if (Object.keys(found).length > 0) {
      update.reset();
      return;
    }
    update.mutate({ id: portfolio.id, body });
  };

  const shown = ["name", "description", "is_default", "stablecoins_as_cash", "target_allocation", "guardrails"];
  const rest = otherErrors(errors, shown);
  const listError = errors["target_allocation"];

  return (
    <form onSubmit={submit} noValidate className="space-y-6" aria-label="Portfolio settings">
      {errorCount > 0 && (
        <p role="alert" className="rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900 dark:border-rose-800 dark:bg-rose-950/50 dark:text-rose-200" data-testid="form-errors">
          {errorCount === 1 ? "One field needs a fix" : `${errorCount} fields need a fix`}: see the messages below. Nothing was saved.
        </p>
      )}
      <Card title="General">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Name" htmlFor="p-name" error={errorFor(errors, "name")}>
            <Input id="p-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!errorFor(errors, "name")} />
          </Field>
          <Field label="Description" htmlFor="p-description" error={errorFor(errors, "description")}>
            <Input id="p-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </Field>
        </div>
        <div className="mt-4 flex flex-col gap-2 text-sm sm:flex-row sm:gap-6">
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} disabled={portfolio.is_default} /> Default portfolio (shown on the dashboard)
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={cash} onChange={(e) => setCash(e.target.checked)} /> Stablecoins as cash
          </label>
        </div>
      </Card>

      <Card
        title="Target allocation"
        actions={
          <span className={cx("tabular text-sm font-medium", vsHundred > 0 ? "text-rose-600" : vsHundred === 0 ? "text-emerald-600" : "text-slate-500")} data-testid="targets-sum">
            Total {sum}%
          </span>
        }
      >
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
          A symbol (BTC), an asset id, or <code>CASH</code> for all stablecoins. Held assets without a target are never traded; a target of 0 sells them.
        </p>
        <datalist id="asset-suggestions">
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <ul className="space-y-3">
          {rows.map((r, i) => (
            <li key={r.uid} className="flex flex-wrap items-start gap-2" data-testid="target-row">
              <div className="min-w-[8rem] flex-1">
                <label className="sr-only" htmlFor={`target-asset-${i}`}>Asset {i + 1}</label>
                <Input
                  id={`target-asset-${i}`}
                  list="asset-suggestions"
                  placeholder="Asset"
                  value={r.asset}
                  invalid={!!rowError(r, "asset")}
                  onChange={(e) => setRows((rs) => rs.map((x) => (x.uid === r.uid ? { ...x, asset: e.target.value, assetId: undefined } : x)))}
                />
                <FieldError id={`target-asset-${i}-error`} message={rowError(r, "asset")} />
              </div>
              <div className="w-28">
                <label className="sr-only" htmlFor={`target-pct-${i}`}>Target % of asset {i + 1}</label>
                <div className="relative">
                  <Input
                    id={`target-pct-${i}`}
                    inputMode="decimal"
                    placeholder="0"
                    value={r.pct}
                    invalid={!!rowError(r, "target_pct")}
                    className="pr-7 text-right"
                    onChange={(e) => setRows((rs) => rs.map((x) => (x.uid === r.uid ? { ...x, pct: e.target.value } : x)))}
                  />
                  <span className="pointer-events-none absolute inset-y-0 right-2 flex items-center text-sm text-slate-500">%</span>
                </div>
                <FieldError id={`target-pct-${i}-error`} message={rowError(r, "target_pct")} />
              </div>
              <Button variant="ghost" aria-label={`Remove target ${i + 1}`} onClick={() => setRows((rs) => rs.filter((x) => x.uid !== r.uid))}>
                ✕
              </Button>
            </li>
          ))}
        </ul>
        <FieldError message={listError} />
        <div className="mt-3 flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => setRows((rs) => [...rs, { uid: nextUid(), asset: "", pct: "" }])}>
            Add target
          </Button>
          {!rows.some((r) => r.asset.trim().toUpperCase() === "CASH") && (
            <Button variant="secondary" onClick={() => setRows((rs) => [...rs, { uid: nextUid(), asset: "CASH", pct: "" }])}>
              Add CASH
            </Button>
          )}
        </div>
      </Card>

      <Card title="Guardrails">
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          <Field label="Drift band (points)" htmlFor="g-abs" error={errorFor(errors, "guardrails.drift_band_abs_pct")} hint="Out of band when current − target exceeds this">
            <Input id="g-abs" inputMode="decimal" value={abs} onChange={(e) => setAbs(e.target.value)} invalid={!!errorFor(errors, "guardrails.drift_band_abs_pct")} />
          </Field>
          <Field label="Drift band (% of target)" htmlFor="g-rel" error={errorFor(errors, "guardrails.drift_band_rel_pct")}>
            <Input id="g-rel" inputMode="decimal" value={rel} onChange={(e) => setRel(e.target.value)} invalid={!!errorFor(errors, "guardrails.drift_band_rel_pct")} />
          </Field>
          <Field label="Minimum trade (USD)" htmlFor="g-min" error={errorFor(errors, "guardrails.min_trade_usd")}>
            <Input id="g-min" inputMode="decimal" value={minTrade} onChange={(e) => setMinTrade(e.target.value)} invalid={!!errorFor(errors, "guardrails.min_trade_usd")} />
          </Field>
          <Field label="Max turnover (% of value)" htmlFor="g-turnover" error={errorFor(errors, "guardrails.max_turnover_pct")}>
            <Input id="g-turnover" inputMode="decimal" value={turnover} onChange={(e) => setTurnover(e.target.value)} invalid={!!errorFor(errors, "guardrails.max_turnover_pct")} />
          </Field>
          <Field label="Never sell" htmlFor="g-never" error={errorFor(errors, "guardrails.never_sell")} hint="Symbols, comma-separated">
            <Input id="g-never" value={neverSell} onChange={(e) => setNeverSell(e.target.value)} invalid={!!errorFor(errors, "guardrails.never_sell")} placeholder="BTC, ETH" />
          </Field>
          <label className="flex items-center gap-2 self-end pb-2 text-sm">
            <input type="checkbox" checked={cashFunding} onChange={(e) => setCashFunding(e.target.checked)} /> Cash may fund buys
          </label>
        </div>
      </Card>

      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {update.error && Object.keys(errors).length === 0 && <FieldError message={plainMessage(update.error)} />}
      <div className="flex gap-2">
        <Button type="submit" busy={update.isPending}>
          Save settings
        </Button>
      </div>
    </form>
  );
}

function LinkedAccounts({ portfolio }: { portfolio: Portfolio }) {
  const accounts = useAccounts();
  const link = useLinkAccount();
  const unlink = useUnlinkAccount();
  const busyId = (link.isPending && link.variables?.accountId) || (unlink.isPending && unlink.variables?.accountId) || null;
  return (
    <Card title="Linked accounts">
      <QueryState
        query={accounts}
        loadingLabel="Loading accounts…"
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No accounts yet">Add an account first, then link it here.</EmptyState>}
      >
        {(list) => (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {list.map((a) => {
              const linked = portfolio.account_ids.includes(a.id);
              return (
                <li key={a.id} className="flex items-center justify-between gap-3 py-2">
                  <label className="flex min-w-0 items-center gap-3 text-sm">
                    <input
                      type="checkbox"
                      checked={linked}
                      disabled={busyId !== null}
                      aria-label={`Link ${a.name}`}
                      onChange={() => (linked ? unlink : link).mutate({ portfolioId: portfolio.id, accountId: a.id })}
                    />
                    <span className="truncate">{a.name}</span>
                  </label>
                  <span className="tabular text-sm text-slate-500">{busyId === a.id ? "Saving…" : formatUsd(a.total_value_usd)}</span>
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

function DangerZone({ portfolio }: { portfolio: Portfolio }) {
  const del = useDeletePortfolio();
  const router = useRouter();
  const [deleting, setDeleting] = useState(false);
  return (
    <Card title="Delete portfolio">
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Deletes the portfolio, its snapshots and recommendations. Accounts are kept.</p>
      <Button variant="danger" busy={del.isPending} onClick={() => setDeleting(true)}>
        Delete portfolio
      </Button>
      <ConfirmDialog
        open={deleting}
        title={`Delete the portfolio “${portfolio.name}”?`}
        confirmLabel="Delete portfolio"
        busy={del.isPending}
        onCancel={() => setDeleting(false)}
        onConfirm={() => del.mutate(portfolio.id, { onSuccess: () => router.push("/portfolios") })}
      >
        Its snapshots and recommendations go with it. Accounts are kept.
      </ConfirmDialog>
    </Card>
  );
}

export function PortfolioSettings({ id }: { id: string }) {
  return (
    <PortfolioFrame id={id}>
      {(p) => (
        <div className="grid gap-6 lg:grid-cols-3">
          <div className="lg:col-span-2">
            <TargetsAndGuardrails key={p.id} portfolio={p} />
          </div>
          <div className="space-y-6">
            <LinkedAccounts portfolio={p} />
            <DangerZone portfolio={p} />
          </div>
        </div>
      )}
    </PortfolioFrame>
  );
}
