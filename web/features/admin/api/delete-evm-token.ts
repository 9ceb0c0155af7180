import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import { invalidateTokenQueries } from "./get-evm-tokens";

export const deleteToken = (id: string) => apiRequest<void>(`/admin/evm-tokens/${encodeURIComponent(id)}`, { method: "DELETE" });

export const useDeleteToken = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteToken,
    meta: { success: "Token deleted", error: "Could not delete the token" },
    onSuccess: () => invalidateTokenQueries(qc),
  });
};
