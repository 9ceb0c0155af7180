import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Chain } from "@/lib/api/types";

export const getChains = () => apiRequest<Chain[]>("/chains");

export const chainsQueryOptions = () => queryOptions({ queryKey: ["chains"], queryFn: getChains, staleTime: 5 * 60_000 });

export const useChains = () => useQuery(chainsQueryOptions());
