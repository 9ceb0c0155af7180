import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Me } from "@/lib/api/types";

export const getMe = () => apiRequest<Me>("/me");

export const meQueryOptions = () =>
  queryOptions({ queryKey: ["me"], queryFn: getMe, staleTime: 5 * 60_000 });

export const useMe = () => useQuery(meQueryOptions());
