import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account } from "@/lib/api/types";

export const accountKeys = {
  all: ["accounts"] as const,
  list: () => [...accountKeys.all, "list"] as const,
  detail: (id: string) => [...accountKeys.all, "detail", id] as const,
};

export const getAccounts = () => apiRequest<Account[]>("/accounts");

export const accountsQueryOptions = () => queryOptions({ queryKey: accountKeys.list(), queryFn: getAccounts });

export const useAccounts = () => useQuery(accountsQueryOptions());
