import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account, UpdateAccountRequest } from "@/lib/api/types";
import { accountKeys } from "@/lib/api/get-accounts";

export const updateAccount = ({ id, body }: { id: string; body: UpdateAccountRequest }) =>
  apiRequest<Account>(`/accounts/${encodeURIComponent(id)}`, { method: "PUT", body });

export const useUpdateAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateAccount,
    meta: { success: "Account saved", error: "Could not save the account", inline: true },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      return qc.invalidateQueries({ queryKey: accountKeys.list() });
    },
  });
};
