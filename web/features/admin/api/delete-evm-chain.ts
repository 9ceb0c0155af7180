import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import { invalidateChainQueries } from "./get-evm-chains";

export const deleteChain = (id: string) => apiRequest<void>(`/admin/evm-chains/${encodeURIComponent(id)}`, { method: "DELETE" });

export const useDeleteChain = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteChain,
    meta: { success: "Chain deleted", error: "Could not delete the chain" },
    onSuccess: () => invalidateChainQueries(qc),
  });
};
