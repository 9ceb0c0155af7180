import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account } from "@/lib/api/types";
import { accountKeys } from "@/lib/api/get-accounts";

export const getAccount = (id: string) => apiRequest<Account>(`/accounts/${encodeURIComponent(id)}`);

export const accountQueryOptions = (id: string) => queryOptions({ queryKey: accountKeys.detail(id), queryFn: () => getAccount(id) });

export const useAccount = (id: string) => useQuery(accountQueryOptions(id));
