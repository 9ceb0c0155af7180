import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Allocation } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "./portfolio-keys";

export const getAllocation = (id: string) => apiRequest<Allocation>(`${portfolioPath(id)}/allocation`);

export const allocationQueryOptions = (id: string) =>
  queryOptions({ queryKey: portfolioKeys.allocation(id), queryFn: () => getAllocation(id) });

export const useAllocation = (id: string | undefined) =>
  useQuery({ ...allocationQueryOptions(id ?? ""), enabled: Boolean(id) });
