import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Portfolio } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "./portfolio-keys";

export const getPortfolio = (id: string) => apiRequest<Portfolio>(portfolioPath(id));

export const portfolioQueryOptions = (id: string) => queryOptions({ queryKey: portfolioKeys.detail(id), queryFn: () => getPortfolio(id) });

export const usePortfolio = (id: string) => useQuery(portfolioQueryOptions(id));
