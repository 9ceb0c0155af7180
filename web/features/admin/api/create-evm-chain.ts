import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AdminChain, CreateChainRequest } from "@/lib/api/types";
import { invalidateChainQueries } from "./get-evm-chains";

export const createChain = (body: CreateChainRequest) => apiRequest<AdminChain>("/admin/evm-chains", { method: "POST", body });

export const useCreateChain = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createChain,
    meta: { success: (c: AdminChain) => `Chain ${c.display_name} added`, error: "Could not add the chain", inline: true },
    onSuccess: () => invalidateChainQueries(qc),
  });
};
