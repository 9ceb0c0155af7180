import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { SolanaRpc, UpdateSolanaRpcRequest } from "@/lib/api/types";

const solanaRpcKey = ["admin", "solana-rpc"] as const;

export const getSolanaRpc = () => apiRequest<SolanaRpc>("/admin/solana-rpc");
export const updateSolanaRpc = (body: UpdateSolanaRpcRequest) => apiRequest<SolanaRpc>("/admin/solana-rpc", { method: "PUT", body });

/** The Solana RPC settings Solana wallets are read with (one row, mainnet). */
export const useSolanaRpc = () => useQuery({ queryKey: solanaRpcKey, queryFn: getSolanaRpc });

export const useUpdateSolanaRpc = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateSolanaRpc,
    meta: { success: (r: SolanaRpc) => `${r.display_name} RPC saved`, error: "Could not save the Solana RPC", inline: true },
    onSuccess: (r) => {
      qc.setQueryData(solanaRpcKey, r);
      return qc.invalidateQueries({ queryKey: ["chains"] });
    },
  });
};
