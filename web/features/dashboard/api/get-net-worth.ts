import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { NetWorth } from "@/lib/api/types";

export const netWorthKey = ["net-worth"] as const;
export const getNetWorth = () => apiRequest<NetWorth>("/net-worth");
export const useNetWorth = () => useQuery({ queryKey: netWorthKey, queryFn: getNetWorth });
