import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { EvmToken, UpdateTokenRequest } from "@/lib/api/types";
import { invalidateTokenQueries } from "./get-evm-tokens";

export const updateToken = ({ id, body }: { id: string; body: UpdateTokenRequest }) =>
  apiRequest<EvmToken>(`/admin/evm-tokens/${encodeURIComponent(id)}`, { method: "PUT", body });

export const useUpdateToken = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateToken,
    meta: { success: (t: EvmToken) => `Token ${t.symbol} saved`, error: "Could not save the token" },
    onSuccess: () => invalidateTokenQueries(qc),
  });
};
