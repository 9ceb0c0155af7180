import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import { accountKeys } from "@/lib/api/get-accounts";

export const deleteAccount = (id: string) => apiRequest<void>(`/accounts/${encodeURIComponent(id)}`, { method: "DELETE" });

export const useDeleteAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteAccount,
    meta: { success: "Account deleted", error: "Could not delete the account" },
    onSuccess: (_d, id) => {
      qc.removeQueries({ queryKey: accountKeys.detail(id) });
      return Promise.all([qc.invalidateQueries({ queryKey: accountKeys.list() }), qc.invalidateQueries({ queryKey: ["portfolios"] })]);
    },
  });
};
