"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import { useMemo, useState, type ReactNode } from "react";
import { EmptyState, ErrorAlert, Loading } from "@/components/states";
import { Badge, Button, Card, Field, Input, PageHeader, Select, TableWrap, cx, td, th } from "@/components/ui";
import { ApiError } from "@/lib/api/client";
import { useAccounts } from "@/lib/api/get-accounts";
import { usePortfolios } from "@/lib/api/get-portfolios";
import type { Benchmark, PerformanceAsset, PerformanceIncomplete, PerformanceWithAssets, ReturnFigure } from "@/lib/api/types";
import { formatDate, formatUsd } from "@/lib/format";
import { usePerformance } from "../api/get-performance";
import { UNKNOWN, asOfText, basisLabel, chartRows, formatPoints, formatReturn, gapCount, tone, unknownReasons, usdOrUnknown } from "../figures";
import { PRESETS, PRESET_LABELS, customRangeError, parseScope, performanceQuery, presetDates, scopeValue, todayUtc, type Range, type Scope } from "../range";
import type { ChartLine } from "./PerformanceChart";

const PerformanceChart = dynamic(() => import("./PerformanceChart").then((m) => m.PerformanceChart), {
  ssr: false,
  loading: () => <div style={{ height: 288 }} className="w-full animate-pulse rounded-md bg-slate-100 dark:bg-slate-800" aria-label="Loading chart" />,
});

const BENCH_STYLE: Record<string, { label: string; color: string; dashed?: boolean }> = {
  BTC: { label: "BTC", color: "#f59e0b" },
  ETH: { label: "ETH", color: "#0ea5e9" },
  cash: { label: "Cash", color: "#10b981", dashed: true },
};
const benchStyle = (name: string) => BENCH_STYLE[name] ?? { label: name, color: "#64748b" };

const PROFIT_DEFINITION = "Value at the end − value at the start − (money in − money out)";

const num = "tabular whitespace-nowrap text-right";
const toneClass = { up: "text-emerald-700 dark:text-emerald-400", down: "text-rose-700 dark:text-rose-400", flat: "", unknown: "italic text-slate-500" } as const;

function ScopeSelect({ scope, onChange }: { scope: Scope; onChange: (s: Scope) => void }) {
  const accounts = useAccounts();
  const portfolios = usePortfolios();
  return (
    <Field label="Accounts" htmlFor="perf-scope" className="w-full min-w-0 sm:w-72">
      <Select id="perf-scope" value={scopeValue(scope)} onChange={(e) => onChange(parseScope(e.target.value))}>
        <option value="all">All accounts</option>
        {(accounts.data ?? []).length > 0 && (
          <optgroup label="One account">
            {accounts.data!.map((a) => (
              <option key={a.id} value={scopeValue({ kind: "account", id: a.id })}>
                {a.name}
              </option>
            ))}
          </optgroup>
        )}
        {(portfolios.data ?? []).length > 0 && (
          <optgroup label="One portfolio">
            {portfolios.data!.map((p) => (
              <option key={p.id} value={scopeValue({ kind: "portfolio", id: p.id })}>
                Portfolio: {p.name}
              </option>
            ))}
          </optgroup>
        )}
      </Select>
    </Field>
  );
}

function RangePicker({ range, onChange, today }: { range: Range; onChange: (r: Range) => void; today: string }) {
  const [custom, setCustom] = useState<{ from: string; to: string } | null>(range.kind === "custom" ? range : null);
  const [error, setError] = useState<string | null>(null);
  const openCustom = () => {
    const base = range.kind === "preset" ? presetDates(range.preset === "ALL" ? "1Y" : range.preset, today) : range;
    setCustom({ from: base.from ?? today, to: base.to });
    setError(null);
  };
  const apply = () => {
    if (!custom) return;
    const why = customRangeError(custom.from, custom.to, today);
    setError(why);
    if (!why) onChange({ kind: "custom", ...custom });
  };
  return (
    <div className="min-w-0 space-y-2">
      <div role="group" aria-label="Range" className="flex flex-wrap gap-1">
        {PRESETS.map((p) => {
          const on = range.kind === "preset" && range.preset === p;
          return (
            <Button
              key={p}
              variant={on ? "primary" : "secondary"}
              aria-pressed={on}
              className="min-w-11 px-2.5 py-1.5"
              onClick={() => {
                setCustom(null);
                onChange({ kind: "preset", preset: p });
              }}
            >
              {PRESET_LABELS[p]}
            </Button>
          );
        })}
        <Button variant={range.kind === "custom" || custom ? "primary" : "secondary"} aria-pressed={range.kind === "custom"} aria-expanded={custom !== null} className="px-2.5 py-1.5" onClick={openCustom}>
          Custom
        </Button>
      </div>
      {custom && (
        <form
          aria-label="Custom range"
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <Field label="From" htmlFor="perf-from" className="w-40">
            <Input id="perf-from" type="date" value={custom.from} max={today} onChange={(e) => setCustom({ ...custom, from: e.target.value })} invalid={Boolean(error)} />
          </Field>
          <Field label="To" htmlFor="perf-to" className="w-40">
            <Input id="perf-to" type="date" value={custom.to} max={today} onChange={(e) => setCustom({ ...custom, to: e.target.value })} invalid={Boolean(error)} />
          </Field>
          <Button type="submit">Show</Button>
          {error && (
            <p role="alert" className="w-full text-xs font-medium text-rose-600 dark:text-rose-400" data-testid="custom-range-error">
              {error}
            </p>
          )}
        </form>
      )}
    </div>
  );
}

/** Why the figures are unknown, from the answer's `incomplete`. */
function WhyUnknown({ reasons, testId }: { reasons: string[]; testId?: string }) {
  if (reasons.length === 0) return null;
  return (
    <ul className="mt-1 list-disc space-y-0.5 pl-4 text-xs text-amber-900 dark:text-amber-200" data-testid={testId}>
      {reasons.map((r) => (
        <li key={r}>{r}</li>
      ))}
    </ul>
  );
}

function FigureCard({ id, title, text, basis, definition, reasons, age, children }: { id: string; title: string; text: string; basis: string; definition: string; reasons: string[]; age: string; children?: ReactNode }) {
  const unknown = text === UNKNOWN;
  return (
    <section className="flex min-w-0 flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-700 dark:bg-slate-900" data-testid="return-card" data-figure={id} aria-labelledby={`figure-${id}`}>
      <h2 id={`figure-${id}`} className="text-sm font-medium text-slate-600 dark:text-slate-400">
        {title}
      </h2>
      <p className={cx("tabular mt-1 text-2xl font-semibold", unknown && "italic text-slate-500")} data-testid="figure-value">
        {text}
      </p>
      {unknown && (
        <div className="mt-1 text-xs text-amber-900 dark:text-amber-200" data-testid="figure-why">
          <p className="font-medium">Unknown, not 0: the history is incomplete.</p>
          <WhyUnknown reasons={reasons} />
        </div>
      )}
      {children}
      <p className="mt-2">
        <Badge tone="slate" testId="figure-basis">
          {basisLabel(basis)}
        </Badge>
      </p>
      <p className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="figure-definition">
        {definition}
      </p>
      <p className="mt-auto pt-2 text-xs text-slate-500" data-testid="figure-age">
        {age}
      </p>
    </section>
  );
}

function ReturnCards({ p, age }: { p: PerformanceWithAssets; age: string }) {
  const reasons = unknownReasons(p.incomplete);
  const ret = (id: string, title: string, f: ReturnFigure) => (
    <FigureCard id={id} title={title} text={formatReturn(f.value)} basis={f.basis} definition={f.definition} reasons={reasons} age={age} />
  );
  return (
    <div className="grid gap-4 sm:grid-cols-3">
      {ret("time_weighted", "Time-weighted return", p.time_weighted)}
      {ret("money_weighted", "Money-weighted return", p.money_weighted)}
      <FigureCard id="profit" title="Profit" text={usdOrUnknown(p.profit_usd)} basis="cumulative" definition={PROFIT_DEFINITION} reasons={reasons} age={age}>
        <p className="tabular mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="money-in-out">
          Money in {formatUsd(p.money_in_usd)} · out {formatUsd(p.money_out_usd)}
        </p>
      </FigureCard>
    </div>
  );
}

function ChartCard({ p, age }: { p: PerformanceWithAssets; age: string }) {
  const [hidden, setHidden] = useState<Set<string>>(() => new Set(["BTC", "ETH"]));
  const rows = useMemo(() => chartRows(p.series, p.benchmarks), [p.series, p.benchmarks]);
  const shown = p.benchmarks.filter((b) => !hidden.has(b.name));
  const lines: ChartLine[] = [
    { name: "value", label: "Your value", color: "#4f46e5", exact: new Map(p.series.map((s) => [s.date, s.value_usd ?? null])) },
    ...shown.map((b) => ({ name: b.name, ...benchStyle(b.name), exact: new Map(b.series.map((s) => [s.date, s.value_usd ?? null])) })),
  ];
  const gaps = gapCount(p.series);
  const toggle = (name: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  return (
    <Card title="Value" className="mb-6">
      <div data-testid="performance-chart" data-points={p.series.length} data-gaps={gaps} data-lines={["value", ...shown.map((b) => b.name)].join(",")} role="img" aria-label={`Your value per day over ${p.series.length} day${p.series.length === 1 ? "" : "s"}${shown.length ? `, with ${shown.map((b) => benchStyle(b.name).label).join(", ")}` : ""}`}>
        <PerformanceChart rows={rows} lines={lines} />
      </div>
      {gaps > 0 && (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-400" data-testid="chart-gaps">
          {gaps} {gaps === 1 ? "day has" : "days have"} no value (a price is missing): {gaps === 1 ? "it is a gap" : "they are gaps"} in the line, not 0.
        </p>
      )}
      <fieldset className="mt-3">
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Compare with the same money in</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {p.benchmarks.map((b) => (
            <label key={b.name} className="inline-flex items-center gap-1.5 text-sm">
              <input type="checkbox" checked={!hidden.has(b.name)} onChange={() => toggle(b.name)} className="h-4 w-4 accent-indigo-600" />
              <span className="inline-block h-0.5 w-4" style={{ background: benchStyle(b.name).color }} aria-hidden />
              {benchStyle(b.name).label}
            </label>
          ))}
        </div>
      </fieldset>
      <BenchmarkList benchmarks={p.benchmarks} />
      <p className="mt-2 text-xs text-slate-500" data-testid="chart-age">
        End-of-day values {age}.
      </p>
    </Card>
  );
}

/** What each benchmark would be worth at the end, and its time-weighted return. */
function BenchmarkList({ benchmarks }: { benchmarks: Benchmark[] }) {
  if (benchmarks.length === 0) return null;
  return (
    <ul className="mt-3 grid gap-2 text-sm sm:grid-cols-3">
      {benchmarks.map((b) => (
        <li key={b.name} className="rounded-md bg-slate-50 px-3 py-2 dark:bg-slate-800/60" data-testid="benchmark" data-benchmark={b.name}>
          <p className="font-medium">{b.name === "cash" ? "Held as cash" : `In ${benchStyle(b.name).label}`}</p>
          <p className="tabular">
            <span data-testid="benchmark-value">{usdOrUnknown(b.value_usd)}</span>
            {" · "}
            <span data-testid="benchmark-return" title={b.time_weighted.definition}>
              {formatReturn(b.time_weighted.value)}
            </span>{" "}
            <span className="text-xs text-slate-500">({b.time_weighted.basis})</span>
          </p>
        </li>
      ))}
    </ul>
  );
}

function AssetTable({ p, age }: { p: PerformanceWithAssets; age: string }) {
  const assets = p.assets;
  if (!Array.isArray(assets)) {
    return (
      <Card title="By asset" className="mb-6">
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="assets-unavailable">
          Per-asset figures are not available from this server yet: the totals above cover every asset.
        </p>
      </Card>
    );
  }
  const definition = assets.find((a) => a.contribution?.definition)?.contribution.definition;
  return (
    <Card title="By asset" className="mb-6">
      {assets.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="assets-empty">
          No asset was held in this range.
        </p>
      ) : (
        <TableWrap>
          <table className="w-full min-w-[40rem] divide-y divide-slate-200 dark:divide-slate-800" data-testid="asset-table" aria-label="Profit and contribution by asset">
            <thead>
              <tr>
                <th className={th}>Asset</th>
                <th className={cx(th, "text-right")}>Start value</th>
                <th className={cx(th, "text-right")}>End value</th>
                <th className={cx(th, "text-right")}>Net money in</th>
                <th className={cx(th, "text-right")}>Profit</th>
                <th className={cx(th, "text-right")}>Contribution</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {assets.map((a) => (
                <AssetRow key={a.asset_id} a={a} inc={p.incomplete} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {definition && (
        <p className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="contribution-definition">
          Contribution: {definition}
        </p>
      )}
      <p className="mt-1 text-xs text-slate-500">Values {age}.</p>
    </Card>
  );
}

function Usd({ v, testId }: { v: string | null | undefined; testId: string }) {
  const text = usdOrUnknown(v);
  return (
    <span data-testid={testId} className={toneClass[text === UNKNOWN ? "unknown" : "flat"]}>
      {text}
    </span>
  );
}

/** Why an asset's figures are unknown: its own missing price when the answer names it, else the days the totals lack. */
function assetReasons(a: PerformanceAsset, inc: PerformanceIncomplete | null | undefined): string[] {
  if (!a.incomplete) return [];
  if (inc?.unpriced_assets.includes(a.symbol)) return [`no daily price for ${a.symbol}`];
  return ["a day this range needs has no value (see the reasons above)"];
}

function AssetRow({ a, inc }: { a: PerformanceAsset; inc: PerformanceIncomplete | null | undefined }) {
  const reasons = assetReasons(a, inc);
  return (
    <tr data-testid="asset-row" data-asset={a.symbol}>
      <td className={cx(td, "font-medium")}>
        {a.symbol}
        <WhyUnknown reasons={reasons} testId="asset-why" />
      </td>
      <td className={cx(td, num)}>
        <Usd v={a.start_value_usd} testId="asset-start" />
      </td>
      <td className={cx(td, num)}>
        <Usd v={a.end_value_usd} testId="asset-end" />
      </td>
      <td className={cx(td, num)}>
        <Usd v={a.net_flows_usd} testId="asset-flows" />
      </td>
      <td className={cx(td, num, toneClass[tone(a.profit_usd)])} data-testid="asset-profit">
        {usdOrUnknown(a.profit_usd)}
      </td>
      <td className={cx(td, num, toneClass[tone(a.contribution?.value)])} title={a.contribution?.basis ? basisLabel(a.contribution.basis) : undefined} data-testid="asset-contribution">
        {formatPoints(a.contribution?.value)}
      </td>
    </tr>
  );
}

function PortfolioUnsupported({ error }: { error: ApiError }) {
  return (
    <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-100" data-testid="portfolio-scope-unavailable">
      <p className="font-semibold">Performance by portfolio is not available from this server yet</p>
      <p className="mt-1 text-sm">Choose all accounts or one account. (The server answered: {error.message})</p>
    </div>
  );
}

function Figures({ p, today }: { p: PerformanceWithAssets; today: string }) {
  const age = asOfText(p.to, today);
  const reasons = unknownReasons(p.incomplete);
  return (
    <>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-400" data-testid="performance-range">
        {p.from ? `${formatDate(p.from)} – ${formatDate(p.to)}` : formatDate(p.to)}
      </p>
      {reasons.length > 0 && (
        <div role="alert" className="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-100" data-testid="performance-incomplete">
          <p className="font-semibold">Some days have no value: the returns and the profit over this range are unknown</p>
          <WhyUnknown reasons={reasons} />
        </div>
      )}
      <ChartCard p={p} age={age} />
      <ReturnCards p={p} age={age} />
      <div className="mt-6">
        <AssetTable p={p} age={age} />
      </div>
      <p className="text-xs text-slate-500" data-testid="performance-prices">
        Prices: {p.prices}.
      </p>
    </>
  );
}

/** Issue 28: how am I doing, over a range, for all accounts, one account or one portfolio. */
export function PerformanceView() {
  const [scope, setScope] = useState<Scope>({ kind: "all" });
  const [range, setRange] = useState<Range>({ kind: "preset", preset: "ALL" });
  const today = todayUtc();
  const query = usePerformance(performanceQuery(scope, range));
  const p = query.data;
  let body: ReactNode;
  if (query.isPending) body = <Loading label="Computing your performance…" />;
  else if (query.error && scope.kind === "portfolio" && query.error instanceof ApiError && query.error.status === 400) body = <PortfolioUnsupported error={query.error} />;
  else if (query.error || !p) body = <ErrorAlert error={query.error} onRetry={() => query.refetch()} />;
  else if (p.series.length === 0)
    body = (
      <EmptyState title="No history yet" action={<Link href="/ledger" className="text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-400">Go to the ledger</Link>}>
        The value history is built from your ledger: add or import entries to see it. ({p.prices})
      </EmptyState>
    );
  else body = <Figures p={p} today={today} />;
  return (
    <div>
      <PageHeader title="Performance" subtitle="Your value per day from the ledger, the returns over a range, and what the same money would have done in BTC, ETH or cash." />
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <ScopeSelect scope={scope} onChange={setScope} />
        <RangePicker range={range} onChange={setRange} today={today} />
        {query.isFetching && !query.isPending && (
          <span className="text-xs text-slate-500" role="status" data-testid="performance-updating">
            Updating…
          </span>
        )}
      </div>
      {body}
    </div>
  );
}
