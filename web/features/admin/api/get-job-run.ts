import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { JobRun } from "@/lib/api/types";
import { adminKeys } from "./get-jobs";

export const getJobRun = (id: string) => apiRequest<JobRun>(`/jobs/runs/${encodeURIComponent(id)}`);

export const jobRunQueryOptions = (id: string) => queryOptions({ queryKey: adminKeys.run(id), queryFn: () => getJobRun(id) });

/** Polls a run every second until it is no longer running. */
export const useJobRun = (id: string | undefined) =>
  useQuery({
    ...jobRunQueryOptions(id ?? ""),
    enabled: Boolean(id),
    refetchInterval: (q) => (q.state.data && q.state.data.status !== "running" ? false : 1000),
  });
