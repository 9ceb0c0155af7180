import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AdminChain, UpdateChainRequest } from "@/lib/api/types";
import { invalidateChainQueries } from "./get-evm-chains";

export const updateChain = ({ id, body }: { id: string; body: UpdateChainRequest }) =>
  apiRequest<AdminChain>(`/admin/evm-chains/${encodeURIComponent(id)}`, { method: "PUT", body });

export const useUpdateChain = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateChain,
    meta: { success: (c: AdminChain) => `Chain ${c.display_name} saved`, error: "Could not save the chain", inline: true },
    onSuccess: () => invalidateChainQueries(qc),
  });
};
