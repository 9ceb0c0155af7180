"use client";

import { useState, type ReactNode } from "react";
import { ErrorAlert, Loading, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, PageHeader, Select, TableWrap, cx, td, th } from "@/components/ui";
import { ApiError } from "@/lib/api/client";
import { plainMessage } from "@/lib/api/messages";
import type { AssetPnl, CostMethod, CostPooling, LedgerGains, LedgerMissing, LedgerPnl, LedgerReconciliation } from "@/lib/api/types";
import { downloadCsv } from "@/lib/csv";
import { formatDate, formatDateTime, formatQuantity, formatUsd } from "@/lib/format";
import { downloadReport, useGains, useLedgerSettings, usePnl, useReconciliation, useSaveLedgerSettings, type ReportKind } from "../api/ledger";
import { INCOMPLETE, UNKNOWN, methodLabel, poolingLabel, reportRefusal, taxYears, usdOrWhy } from "../figures";
import { LedgerNav } from "./LedgerNav";

const num = "tabular whitespace-nowrap text-right";

/** What each figure means, one line each, under its table. */
function Legend({ items }: { items: [string, string][] }) {
  return (
    <dl className="mt-3 grid gap-x-4 gap-y-0.5 text-xs text-slate-500 sm:grid-cols-2 dark:text-slate-400" data-testid="figure-legend">
      {items.map(([term, meaning]) => (
        <div key={term} className="flex gap-1">
          <dt className="font-semibold">{term}:</dt>
          <dd>{meaning}</dd>
        </div>
      ))}
    </dl>
  );
}

function Figure({ value, incomplete, testId, unknownWhy }: { value: string | null | undefined; incomplete: boolean; testId?: string; unknownWhy?: string }) {
  const text = usdOrWhy(value, incomplete);
  if (text === INCOMPLETE) return <Badge tone="amber" testId={testId}>incomplete</Badge>;
  if (text === UNKNOWN)
    return (
      <span data-testid={testId} title={unknownWhy} className="text-slate-500 italic">
        unknown
      </span>
    );
  return (
    <span data-testid={testId} className={cx(text.startsWith("-") && "text-rose-700 dark:text-rose-400")}>
      {text}
    </span>
  );
}

function MissingList({ missing }: { missing: LedgerMissing[] }) {
  return (
    <ul className="list-disc space-y-0.5 pl-5 text-xs text-amber-900 dark:text-amber-200" data-testid="missing">
      {missing.map((m, i) => (
        <li key={`${m.reason}-${m.entry_id ?? m.account_id}-${i}`}>{m.message}</li>
      ))}
    </ul>
  );
}

function SettingsCard() {
  const settings = useLedgerSettings();
  const save = useSaveLedgerSettings();
  const s = settings.data;
  return (
    <Card title="Cost basis" className="mb-6">
      {settings.isPending ? (
        <Loading />
      ) : settings.error || !s ? (
        <ErrorAlert error={settings.error} onRetry={() => settings.refetch()} />
      ) : (
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Method" htmlFor="ledger-method" hint="Which lots a sale uses first: it decides each disposal's cost and term.">
            <Select id="ledger-method" value={s.method} disabled={save.isPending} onChange={(e) => save.mutate({ method: e.target.value as CostMethod, pooling: s.pooling })}>
              {(["fifo", "lifo", "hifo", "average_cost"] as const).map((m) => (
                <option key={m} value={m}>
                  {methodLabel(m)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Pooling" htmlFor="ledger-pooling" hint="Per account: a sale uses only the lots of the account it is sold from.">
            <Select id="ledger-pooling" value={s.pooling} disabled={save.isPending} onChange={(e) => save.mutate({ method: s.method, pooling: e.target.value as CostPooling })}>
              {(["per_account", "universal"] as const).map((p) => (
                <option key={p} value={p}>
                  {poolingLabel(p)}
                </option>
              ))}
            </Select>
          </Field>
        </div>
      )}
    </Card>
  );
}

function ReconciliationWarning({ data }: { data: LedgerReconciliation }) {
  const differ = data.assets.filter((a) => a.status === "missing_history");
  const notRead = new Set(data.assets.filter((a) => a.status === "not_read").map((a) => a.account_name));
  if (differ.length === 0 && notRead.size === 0) return null;
  return (
    <div className="mb-6 space-y-2">
      {differ.length > 0 && (
        <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-100" data-testid="reconciliation-warning">
          <p className="font-semibold">
            The ledger differs from the last sync for {differ.length} {differ.length === 1 ? "asset" : "assets"}: history is missing
          </p>
          <p className="mt-1 text-sm">Gains and P&amp;L of these assets are not computed until the ledger and what the account holds agree. Add the missing entries, or correct the holdings.</p>
          {/* A list, not a table: each difference reads whole at phone width. */}
          <ul className="mt-2 divide-y divide-amber-200 text-sm dark:divide-amber-800">
            {differ.map((r) => (
              <li key={`${r.account_id}-${r.asset_id}`} className="flex flex-wrap items-baseline gap-x-4 gap-y-0.5 py-1.5" data-testid="reconciliation-row" data-account={r.account_name} data-asset={r.symbol}>
                <span className="font-semibold">
                  {r.account_name} · {r.symbol}
                </span>
                <span className="tabular" title="What the ledger's entries add up to">
                  ledger {formatQuantity(r.ledger_quantity)}
                </span>
                <span className="tabular" title="What the account's last sync read">
                  last sync {formatQuantity(r.held_quantity)}
                </span>
                <span className="tabular font-semibold" title="Last sync minus ledger: the history missing from the ledger">
                  difference{" "}
                  <span data-testid="reconciliation-difference">
                    {r.difference && !r.difference.startsWith("-") ? "+" : ""}
                    {formatQuantity(r.difference)}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          <p className="mt-2 text-xs">Difference: what the last sync read minus what the ledger says; positive means acquisitions are missing from the ledger, negative means disposals are.</p>
        </div>
      )}
      {notRead.size > 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="reconciliation-not-read">
          Not checked yet (never synced): {[...notRead].join(", ")}.
        </p>
      )}
    </div>
  );
}

function PnlTable({ data }: { data: LedgerPnl }) {
  if (data.assets.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No asset in the ledger yet.</p>;
  const noPrice = "No price is known for this asset yet, so its value is unknown.";
  return (
    <>
      <TableWrap>
        <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700" data-testid="pnl-table">
          <thead>
            <tr>
              <th className={th}>Asset</th>
              <th className={cx(th, "text-right")} title="What the ledger says you hold">
                Quantity
              </th>
              <th className={cx(th, "text-right")} title="What the lots still held cost, fees included">
                Cost
              </th>
              <th className={cx(th, "text-right")} title="Quantity at the latest price">
                Value
              </th>
              <th className={cx(th, "text-right")} title="Value minus cost: gain or loss not yet realized">
                Unrealized
              </th>
              <th className={cx(th, "text-right")} title="Gains and losses of every disposal so far">
                Realized
              </th>
              <th className={cx(th, "text-right")} title="Income received (staking, interest, …) at its value when received">
                Income
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {data.assets.map((a: AssetPnl) => (
              <PnlRow key={a.asset_id} a={a} noPrice={noPrice} />
            ))}
            <tr className="font-semibold" data-testid="pnl-total">
              <td className={td}>Total</td>
              <td className={td} />
              <td className={td} />
              <td className={td} />
              <td className={cx(td, num)}>
                <Figure value={data.unrealized_usd} incomplete={false} testId="pnl-total-unrealized" unknownWhy="Unknown while any asset is incomplete or unpriced." />
              </td>
              <td className={cx(td, num)}>
                <Figure value={data.realized_usd} incomplete={false} testId="pnl-total-realized" unknownWhy="Unknown while any asset is incomplete." />
              </td>
              <td className={cx(td, num)}>
                <Figure value={data.income_usd} incomplete={false} testId="pnl-total-income" unknownWhy="Unknown while any asset is incomplete." />
              </td>
            </tr>
          </tbody>
        </table>
      </TableWrap>
      {data.assets.some((a) => a.incomplete) && (
        <div className="mt-3 space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 dark:border-amber-700 dark:bg-amber-950/40">
          {data.assets
            .filter((a) => a.incomplete)
            .map((a) => (
              <div key={a.asset_id} data-testid="pnl-missing" data-asset={a.symbol}>
                <p className="text-xs font-semibold text-amber-900 dark:text-amber-200">{a.symbol} is incomplete: what is missing</p>
                <MissingList missing={a.missing} />
              </div>
            ))}
        </div>
      )}
      <Legend
        items={[
          ["Quantity", "what the ledger says you hold"],
          ["Cost", "what the lots you still hold cost, fees included"],
          ["Value", "the quantity at the latest price"],
          ["Unrealized", "value minus cost: not yet sold"],
          ["Realized", "proceeds minus cost of everything disposed of"],
          ["Income", "rewards at their value when received"],
          ["incomplete", "history is missing for the asset: no figure until it is added"],
          ["unknown", "not known (e.g. no price yet): never counted as 0"],
        ]}
      />
      <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
        {methodLabel(data.method)} · {poolingLabel(data.pooling)} · as of {formatDateTime(data.as_of)}
      </p>
    </>
  );
}

function PnlRow({ a, noPrice }: { a: AssetPnl; noPrice: string }) {
  const cell = (v: string | null | undefined, id: string, why?: string) => (
    <td className={cx(td, num)}>
      <Figure value={v} incomplete={a.incomplete} testId={id} unknownWhy={why} />
    </td>
  );
  return (
    <>
      <tr data-testid="pnl-row" data-asset={a.symbol} data-incomplete={a.incomplete || undefined}>
        <td className={cx(td, "font-medium")}>{a.symbol}</td>
        <td className={cx(td, num)} data-testid="pnl-quantity">
          {formatQuantity(a.quantity)}
        </td>
        {cell(a.cost_usd, "pnl-cost")}
        {cell(a.value_usd, "pnl-value", noPrice)}
        {cell(a.unrealized_usd, "pnl-unrealized", a.value_usd ? undefined : noPrice)}
        {cell(a.realized_usd, "pnl-realized")}
        {cell(a.income_usd, "pnl-income")}
      </tr>
    </>
  );
}

function Totals({ g }: { g: LedgerGains }) {
  const t = g.totals;
  const items: [string, string | undefined, string][] = [
    ["Proceeds", t?.proceeds_usd, "what the disposals brought, fees deducted"],
    ["Cost basis", t?.cost_usd, "what the disposed lots cost, fees included"],
    ["Gain or loss", t?.gain_usd, "proceeds minus cost basis"],
    ["Short term", t?.short_term_usd, "gain on lots held one year or less"],
    ["Long term", t?.long_term_usd, "gain on lots held more than one year"],
    ["Income", t?.income_usd, "rewards at their value when received"],
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3" data-testid="gains-totals">
      {items.map(([label, v, meaning]) => (
        <div key={label} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
          <dt className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
          <dd className="tabular text-lg font-semibold" data-testid={`gains-total-${label.toLowerCase().replace(/ /g, "-")}`}>
            {t ? formatUsd(v) : <Badge tone="amber">incomplete</Badge>}
          </dd>
          <dd className="text-xs text-slate-500 dark:text-slate-400">{meaning}</dd>
        </div>
      ))}
    </dl>
  );
}

function Disposals({ g }: { g: LedgerGains }) {
  if (g.disposals.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No disposal in {g.year ?? "the ledger"}.</p>;
  return (
    <>
      <TableWrap>
        <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700" data-testid="disposals">
          <thead>
            <tr>
              <th className={th}>Sold</th>
              <th className={th}>Asset</th>
              <th className={cx(th, "text-right")}>Quantity</th>
              <th className={th}>Acquired</th>
              <th className={cx(th, "text-right")} title="What this part brought, fees deducted">
                Proceeds
              </th>
              <th className={cx(th, "text-right")} title="What the lot (or part) disposed of cost, fees included">
                Cost
              </th>
              <th className={cx(th, "text-right")} title="Proceeds minus cost">
                Gain
              </th>
              <th className={th} title="Long when the lot was held more than one year">
                Term
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {g.disposals.map((d, i) => (
              <tr key={`${d.entry_id}-${i}`} data-testid="disposal" data-asset={d.symbol}>
                <td className={cx(td, "whitespace-nowrap")}>{formatDate(d.disposed_at)}</td>
                <td className={td}>{d.symbol}</td>
                <td className={cx(td, num)}>{formatQuantity(d.quantity)}</td>
                <td className={cx(td, "whitespace-nowrap")}>{d.incomplete ? <Badge tone="amber">incomplete</Badge> : formatDate(d.acquired_at)}</td>
                <td className={cx(td, num)}>{formatUsd(d.proceeds_usd)}</td>
                <td className={cx(td, num)}>
                  <Figure value={d.cost_usd} incomplete={d.incomplete} testId="disposal-cost" />
                </td>
                <td className={cx(td, num)}>
                  <Figure value={d.gain_usd} incomplete={d.incomplete} testId="disposal-gain" />
                </td>
                <td className={td}>{d.incomplete ? "" : d.term === "long" ? "long" : d.term === "short" ? "short" : UNKNOWN}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <Legend
        items={[
          ["Proceeds", "what each part brought, fees deducted"],
          ["Cost", "what the lot (or part) disposed of cost, fees included"],
          ["Gain", "proceeds minus cost; a loss is negative"],
          ["Term", "long when held more than one year, else short"],
        ]}
      />
    </>
  );
}

function IncomeLines({ g }: { g: LedgerGains }) {
  if (g.income.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No income in {g.year ?? "the ledger"}.</p>;
  return (
    <TableWrap>
      <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700" data-testid="income-lines">
        <thead>
          <tr>
            <th className={th}>Received</th>
            <th className={th}>Asset</th>
            <th className={cx(th, "text-right")}>Quantity</th>
            <th className={th}>Kind</th>
            <th className={cx(th, "text-right")} title="Its value when received: the income, and its cost basis">
              Value
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {g.income.map((i, n) => (
            <tr key={`${i.entry_id}-${n}`} data-testid="income-line">
              <td className={cx(td, "whitespace-nowrap")}>{formatDate(i.at)}</td>
              <td className={td}>{i.symbol}</td>
              <td className={cx(td, num)}>{formatQuantity(i.quantity)}</td>
              <td className={td}>{i.kind}</td>
              <td className={cx(td, num)}>{formatUsd(i.value_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Downloads({ year }: { year: number }) {
  const [busy, setBusy] = useState<ReportKind | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const get = async (kind: ReportKind) => {
    setBusy(kind);
    setRefusal(null);
    try {
      const { filename, text } = await downloadReport(kind, year);
      downloadCsv(filename, text);
    } catch (e) {
      const what = kind === "tax" ? "The tax CSV" : "The income CSV";
      setRefusal(e instanceof ApiError && e.status === 409 ? `${what} for ${year} cannot be made: ${reportRefusal(e.message)}. See what is missing above.` : plainMessage(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" busy={busy === "tax"} onClick={() => void get("tax")}>
          Download tax CSV ({year})
        </Button>
        <Button variant="secondary" busy={busy === "income"} onClick={() => void get("income")}>
          Download income CSV ({year})
        </Button>
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">Tax CSV: one line per disposal, shaped like Form 8949. Income CSV: one line per reward.</p>
      {refusal && (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-100" data-testid="report-refusal">
          {refusal}
        </p>
      )}
    </div>
  );
}

function YearSection({ year }: { year: number }) {
  const gains = useGains(year);
  return (
    <QueryState query={gains} loadingLabel="Computing gains…">
      {(g) => (
        <div className="space-y-5">
          {g.incomplete_assets.length > 0 && (
            <div className="rounded-md border border-amber-300 bg-amber-50 p-3 dark:border-amber-700 dark:bg-amber-950/40" data-testid="gains-incomplete">
              <p className="text-sm font-semibold text-amber-950 dark:text-amber-100">
                No totals for {year}: the history of {g.incomplete_assets.map((a) => a.symbol).join(", ")} is incomplete
              </p>
              {g.incomplete_assets.map((a) => (
                <div key={a.asset_id} className="mt-1">
                  <p className="text-xs font-semibold text-amber-900 dark:text-amber-200">{a.symbol}</p>
                  <MissingList missing={a.missing} />
                </div>
              ))}
            </div>
          )}
          <Totals g={g} />
          <Section title="Disposals">
            <Disposals g={g} />
          </Section>
          <Section title="Income">
            <IncomeLines g={g} />
          </Section>
          <Downloads year={year} />
        </div>
      )}
    </QueryState>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h3 className="mb-2 text-sm font-semibold text-slate-800 dark:text-slate-200">{title}</h3>
      {children}
    </section>
  );
}

/** Gains, P&L and the reconciliation of the ledger against what the accounts hold. */
export function GainsView() {
  const pnl = usePnl();
  const rec = useReconciliation();
  const years = taxYears();
  const [year, setYear] = useState(years[1] ?? years[0]);
  return (
    <div>
      <PageHeader title="Ledger" subtitle="Profit and loss, realized gains per tax year, and income, computed from the ledger." />
      <LedgerNav />
      {rec.data && <ReconciliationWarning data={rec.data} />}
      {rec.error && <ErrorAlert error={rec.error} title="The reconciliation could not be loaded" onRetry={() => rec.refetch()} />}
      <Card title="Profit and loss per asset" className="mb-6">
        <QueryState query={pnl} loadingLabel="Computing P&L…">
          {(d) => <PnlTable data={d} />}
        </QueryState>
      </Card>
      <Card
        title="Realized gains and income"
        className="mb-6"
        actions={
          <Select id="gains-year" aria-label="Tax year" value={year} onChange={(e) => setYear(Number(e.target.value))} className="w-28">
            {years.map((y) => (
              <option key={y} value={y}>
                {y}
              </option>
            ))}
          </Select>
        }
      >
        <YearSection year={year} />
      </Card>
      <SettingsCard />
    </div>
  );
}
