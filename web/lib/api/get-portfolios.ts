import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Portfolio } from "@/lib/api/types";
import { portfolioKeys } from "./portfolio-keys";

export const getPortfolios = () => apiRequest<Portfolio[]>("/portfolios");

export const portfoliosQueryOptions = () => queryOptions({ queryKey: portfolioKeys.list(), queryFn: getPortfolios });

export const usePortfolios = () => useQuery(portfoliosQueryOptions());
