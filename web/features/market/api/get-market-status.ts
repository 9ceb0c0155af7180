import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { MarketStatus } from "@/lib/api/types";

export const marketStatusKey = ["market", "status"] as const;
export const getMarketStatus = () => apiRequest<MarketStatus>("/market/status");

const running = (s: MarketStatus | undefined) => s?.catalog_job?.status === "running" || s?.price_job?.status === "running";

/** Polled every 3 s while there is no price yet (first run), else kept for a minute. */
export const useMarketStatus = () =>
  useQuery({
    queryKey: marketStatusKey,
    queryFn: getMarketStatus,
    staleTime: 60_000,
    refetchInterval: (q) => (q.state.data?.first_run || running(q.state.data) ? 3000 : false),
  });
