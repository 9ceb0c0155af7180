import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Snapshot } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export const createSnapshot = (id: string) => apiRequest<Snapshot>(`${portfolioPath(id)}/snapshots`, { method: "POST" });

export const useCreateSnapshot = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createSnapshot,
    meta: { success: "Snapshot taken", error: "Could not take a snapshot" },
    onSuccess: (_s, id) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: [...portfolioKeys.detail(id), "snapshots"] }),
        qc.invalidateQueries({ queryKey: [...portfolioKeys.detail(id), "timeline"] }),
      ]),
  });
};
