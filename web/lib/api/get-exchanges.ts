import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Exchange } from "@/lib/api/types";

/** The exchanges the API can read, with the credential fields each one's keys need. */
export const getExchanges = () => apiRequest<Exchange[]>("/exchanges");

export const exchangesQueryOptions = () => queryOptions({ queryKey: ["exchanges"], queryFn: getExchanges, staleTime: 5 * 60_000 });

export const useExchanges = () => useQuery(exchangesQueryOptions());
