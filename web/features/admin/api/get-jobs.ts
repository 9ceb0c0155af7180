import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Job } from "@/lib/api/types";

export const adminKeys = {
  jobs: ["admin", "jobs"] as const,
  run: (id: string) => ["admin", "jobs", "runs", id] as const,
  chains: ["admin", "evm-chains"] as const,
  tokens: (chainId?: string) => ["admin", "evm-tokens", chainId ?? "all"] as const,
};

export const getJobs = () => apiRequest<Job[]>("/jobs");

export const jobsQueryOptions = () => queryOptions({ queryKey: adminKeys.jobs, queryFn: getJobs });

export const useJobs = (enabled = true) => useQuery({ ...jobsQueryOptions(), enabled });
