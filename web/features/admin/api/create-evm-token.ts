import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { CreateTokenRequest, EvmToken } from "@/lib/api/types";
import { invalidateTokenQueries } from "./get-evm-tokens";

export const createToken = (body: CreateTokenRequest) => apiRequest<EvmToken>("/admin/evm-tokens", { method: "POST", body });

export const useCreateToken = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createToken,
    meta: { success: (t: EvmToken) => `Token ${t.symbol} added`, error: "Could not add the token", inline: true },
    onSuccess: () => invalidateTokenQueries(qc),
  });
};
