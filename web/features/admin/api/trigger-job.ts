import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { StartedJob } from "@/lib/api/types";
import { adminKeys } from "./get-jobs";

export const triggerJob = (name: string) => apiRequest<StartedJob>(`/jobs/${encodeURIComponent(name)}`, { method: "POST" });

export const useTriggerJob = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: triggerJob,
    meta: { success: (r: StartedJob) => `Started ${r.job_name}`, error: "Could not start the job" },
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.jobs }),
  });
};
