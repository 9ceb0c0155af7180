import { exchangeName } from "@/lib/account-kinds";
import type { Account, NetWorth } from "@/lib/api/types";
import { compareDecimals, sumDecimals } from "@/lib/decimal";

const EXCHANGE_PARTS = new Set(["trading", "funding", "earn"]);

export interface BreakdownLine {
  key: string;
  label: string;
  valueUsd: string;
}

/**
 * Net worth by chain or exchange: a chain's places add up across wallets under its display name;
 * an exchange account's trading / funding / earn add up under the exchange ("OKX").
 */
export function byChainOrExchange(n: NetWorth, accounts: Account[], chainName: (c: string) => string): BreakdownLine[] {
  const groups = new Map<string, { label: string; values: string[] }>();
  for (const p of n.by_place) {
    const account = accounts.find((a) => a.id === p.account_id);
    const exchange = EXCHANGE_PARTS.has(p.location) && account?.account_type === "exchange";
    const key = exchange ? `exchange:${account?.exchange_name ?? "exchange"}` : `chain:${p.location}`;
    const label = exchange ? exchangeName(account?.exchange_name) : chainName(p.location);
    const g = groups.get(key) ?? { label, values: [] };
    g.values.push(p.value_usd);
    groups.set(key, g);
  }
  return [...groups.entries()]
    .map(([key, g]) => ({ key, label: g.label, valueUsd: sumDecimals(g.values) }))
    .sort((a, b) => compareDecimals(b.valueUsd, a.valueUsd) || a.label.localeCompare(b.label));
}

/** The first `n` lines, and the rest summed as "Other" (so a long tail stays one line). */
export function withOther<T extends BreakdownLine>(lines: T[], n: number): BreakdownLine[] {
  if (lines.length <= n + 1) return lines;
  const head = lines.slice(0, n);
  const tail = lines.slice(n);
  return [...head, { key: "other", label: `Other (${tail.length})`, valueUsd: sumDecimals(tail.map((l) => l.valueUsd)) }];
}
