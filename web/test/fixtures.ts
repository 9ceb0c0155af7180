import type { Account, Allocation, Portfolio, Recommendation } from "@/lib/api/types";

export function account(over: Partial<Account> = {}): Account {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    name: "Cold wallet",
    account_type: "wallet",
    wallet_address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    enabled_chains: ["ethereum"],
    is_active: true,
    total_value_usd: "0",
    holdings: [],
    defi: [],
    locations: [],
    last_synced_at: null,
    last_sync_status: null,
    last_sync_error: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

export function portfolio(over: Partial<Portfolio> = {}): Portfolio {
  return {
    id: "22222222-2222-4222-8222-222222222222",
    name: "Main",
    description: null,
    is_default: true,
    stablecoins_as_cash: true,
    target_allocation: [],
    guardrails: {
      drift_band_abs_pct: "5",
      drift_band_rel_pct: "25",
      min_trade_usd: "10",
      max_turnover_pct: "100",
      never_sell: [],
      never_sell_ids: [],
      allow_cash_funding: true,
    },
    account_ids: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

export function allocation(over: Partial<Allocation> = {}): Allocation {
  return {
    portfolio_id: "22222222-2222-4222-8222-222222222222",
    as_of: "2026-01-01T00:00:00Z",
    total_value_usd: "1000",
    lines: [],
    unpriced: [],
    unallocated_pct: "0",
    unallocated_current_pct: "0",
    blocking: [],
    oldest_price_at: null,
    oldest_sync_at: null,
    accounts_not_read: 0,
    ...over,
  };
}

export function recommendation(over: Partial<Recommendation> = {}): Recommendation {
  return {
    id: "33333333-3333-4333-8333-333333333333",
    portfolio_id: "22222222-2222-4222-8222-222222222222",
    created_at: "2026-01-02T00:00:00Z",
    status: "proposed",
    total_value_usd: "1000",
    excluded_accounts: [],
    trades: [],
    blocked: [],
    total_buy_usd: "0",
    total_sell_usd: "0",
    turnover_pct: "0",
    blocking: [],
    ...over,
  };
}
