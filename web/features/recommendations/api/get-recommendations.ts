import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Recommendation } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export const getRecommendations = (id: string) => apiRequest<Recommendation[]>(`${portfolioPath(id)}/recommendations`);

export const recommendationsQueryOptions = (id: string) =>
  queryOptions({ queryKey: portfolioKeys.recommendations(id), queryFn: () => getRecommendations(id) });

export const useRecommendations = (id: string) => useQuery(recommendationsQueryOptions(id));
