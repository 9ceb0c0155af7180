import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { DailyBalance } from "@/lib/api/types";

export const balanceHistoryKeys = {
  account: (id: string) => ["balances", "history", "account", id] as const,
};

export const getAccountBalanceHistory = (id: string) => apiRequest<DailyBalance[]>("/balances/history", { query: { account_id: id } });

export const accountBalanceHistoryOptions = (id: string) =>
  queryOptions({ queryKey: balanceHistoryKeys.account(id), queryFn: () => getAccountBalanceHistory(id) });

export const useAccountBalanceHistory = (id: string) => useQuery(accountBalanceHistoryOptions(id));
