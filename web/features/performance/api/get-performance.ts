import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { PerformanceWithAssets } from "@/lib/api/types";
import type { PerformanceQuery } from "../range";

export const performanceKeys = {
  all: ["performance"] as const,
  query: (q: PerformanceQuery) => [...performanceKeys.all, q] as const,
};

export const getPerformance = (q: PerformanceQuery) => apiRequest<PerformanceWithAssets>("/performance", { query: { ...q } });

// Computed from the ledger and the day's prices, which other pages change: read afresh when shown,
// and keep the last answer on screen while another range loads.
export const performanceQueryOptions = (q: PerformanceQuery) =>
  queryOptions({ queryKey: performanceKeys.query(q), queryFn: () => getPerformance(q), staleTime: 0, placeholderData: keepPreviousData });

export const usePerformance = (q: PerformanceQuery) => useQuery(performanceQueryOptions(q));
