import type { Account } from "@/lib/api/types";

const earliest = (times: (string | null | undefined)[]): string | null =>
  times.filter((t): t is string => Boolean(t)).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;

/** The data behind the accounts' sum: the oldest price of a valued holding, the oldest last good sync. */
export function accountsDataAge(accounts: Account[]): { oldestPriceAt: string | null; oldestSyncAt: string | null; oldestSyncLocation: string | null } {
  const active = accounts.filter((a) => a.is_active);
  const oldestSyncAt = active.some((a) => !a.last_synced_at) ? null : earliest(active.map((a) => a.last_synced_at));
  const where = active.flatMap((a) => a.locations ?? []).find((l) => l.synced_at && oldestSyncAt && Date.parse(l.synced_at) === Date.parse(oldestSyncAt));
  return {
    oldestPriceAt: earliest(active.flatMap((a) => a.holdings.filter((h) => h.value_usd).map((h) => h.price_at))),
    oldestSyncAt,
    oldestSyncLocation: where?.location ?? null,
  };
}

/** Accounts whose last sync failed in whole or in part: both are problems. */
export function syncProblems(accounts: Account[]): Account[] {
  return accounts.filter((a) => a.is_active && (a.last_sync_status === "error" || a.last_sync_status === "partial"));
}
