import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AdminChain } from "@/lib/api/types";
import { adminKeys } from "./get-jobs";

export const getAdminChains = () => apiRequest<AdminChain[]>("/admin/evm-chains");

export const adminChainsQueryOptions = () => queryOptions({ queryKey: adminKeys.chains, queryFn: getAdminChains });

export const useAdminChains = (enabled = true) => useQuery({ ...adminChainsQueryOptions(), enabled });

export const invalidateChainQueries = (qc: QueryClient) =>
  Promise.all([qc.invalidateQueries({ queryKey: adminKeys.chains }), qc.invalidateQueries({ queryKey: ["chains"] })]);
