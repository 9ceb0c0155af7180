import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { EvmToken } from "@/lib/api/types";
import { adminKeys } from "./get-jobs";

export const getTokens = (chainId?: string) => apiRequest<EvmToken[]>("/admin/evm-tokens", { query: { chain_id: chainId } });

export const tokensQueryOptions = (chainId?: string) => queryOptions({ queryKey: adminKeys.tokens(chainId), queryFn: () => getTokens(chainId) });

export const useTokens = (chainId?: string, enabled = true) => useQuery({ ...tokensQueryOptions(chainId), enabled });

export const invalidateTokenQueries = (qc: QueryClient) => qc.invalidateQueries({ queryKey: ["admin", "evm-tokens"] });
